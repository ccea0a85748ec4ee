def log = new File(basedir, 'build.log').text
// every diagnostic in file:line:column form: the error with its source line and caret ...
assert log.contains('[ERROR] src/main/net/broken.net:5:21: error: unknown name \'q\'')
assert log.contains('    a = sigmoid(W * q)')
// ... and the warning of the other file as a Maven warning
assert log =~ /\[WARNING\] src\/main\/net\/unused\.net:5:\d+: warning: [^\n]*'spare'/
// then one exception with the count, and no stack trace of the plugin
assert log.contains('netc: 1 error in .net files; see the messages above')
assert !(log =~ /\sat dev\.netc\./)
assert !log.contains("Caused by")
assert !new File(basedir, 'target/generated-sources/netc/Unused.java').exists()
// a bad precision is a clear message
assert log.contains("netc: <precision> must be 'double' or 'float', but is 'half'")
return true
