long LONG_AGO = 946684800000L
def gen = new File(basedir, 'target/generated-sources/netc')
def afterSecond = new File(basedir, 'target/after-second-build')

// build 2: no change, so nothing was rewritten (all three still carry the backdated time)
['A', 'B', 'C'].each { n ->
  def f = new File(afterSecond, n + '.java')
  assert f.isFile() : f
  assert f.lastModified() == LONG_AGO : "build 2 rewrote $n.java"
}
// build 3: a.net changed, so A.java was rewritten; B.java was not touched; C.java is gone
assert new File(gen, 'A.java').lastModified() > LONG_AGO
assert new File(gen, 'A.java').text.contains('W1')
assert new File(gen, 'B.java').lastModified() == LONG_AGO : 'build 3 rewrote B.java'
assert !new File(gen, 'C.java').exists()

def state = new File(basedir, 'target/netc-state/generate.txt').text
assert state.contains(' a.net') && state.contains(' b.net') && !state.contains(' c.net')

def log = new File(basedir, 'build.log').text
assert log.contains('netc: 3 .net files up to date')
return true
