def tiny = new File(basedir, 'target/generated-sources/netc/org/acme/nets/Tiny.java')
assert tiny.isFile()
def text = tiny.text
assert text.contains('package org.acme.nets;')
assert text.contains('public final float[] W = new float[2];')
assert !(text =~ /public final double\[\] W\b/)
assert new File(basedir, 'target/classes/org/acme/nets/Tiny.class').isFile()

// generate-test: its own folder, its own package line wins over packageName, compiled with the tests
def probe = new File(basedir, 'target/generated-test-sources/netc/org/acme/probes/Probe.java')
assert probe.isFile() && probe.text.contains('float[]')
assert new File(basedir, 'target/test-classes/org/acme/probes/Probe.class').isFile()
assert new File(basedir, 'target/netc-state/generate-test.txt').isFile()
return true
