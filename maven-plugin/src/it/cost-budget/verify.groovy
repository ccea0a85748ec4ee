def log = new File(basedir, 'build.log').text
// the MLP 784-128-10's lossAndGradient, as netc check --cost counts it
assert log.contains('netc: network Mlp costs 409,900 FLOPs per example in lossAndGradient, over the budget <maxFlopsPerExample> of 100,000 (src/main/net/mlp.net)')
assert log.contains('netc: network Mlp has 101,770 params, over the budget <maxParams> of 1,000 (src/main/net/mlp.net)')
assert !(log =~ /\sat dev\.netc\./)
assert !log.contains("Caused by")
// the roomy budget builds
assert new File(basedir, 'target/generated-sources/netc/Mlp.java').isFile()
return true
