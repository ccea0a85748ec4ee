def log = new File(basedir, 'build.log').text
assert new File(basedir, 'target/generated-sources/netc/it/nets/Xor.java').isFile()
assert log.contains('Tests run: 1, Failures: 0, Errors: 0')
assert log =~ /XOR loss [0-9.]+ -> [0-9.]+/
return true
