package dev.netc.compiler.graph.ix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netc.compiler.graph.ix.Ranges.Access;
import dev.netc.compiler.graph.ix.Ranges.Kind;
import dev.netc.compiler.graph.ix.Ranges.Result;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RangesTest {
  static Affine i(String n) {
    return Affine.of(n);
  }

  static Access read(String what, int[] dims, IndexExpr... at) {
    return new Access(what, dims, List.of(at));
  }

  @Test
  void convolutionRangesComeFromTheKernelAndTheImage() {
    // conv[o, r, c] = sum(i, p, q) K[o, i, p, q] * x[i, r + p, c + q]   K[8, 1, 5, 5], x[1, 28, 28]
    Result r = Ranges.infer(List.of("o", "r", "c", "i", "p", "q"), Map.of(), List.of(), List.of(
        read("K", new int[] {8, 1, 5, 5}, i("o"), i("i"), i("p"), i("q")),
        read("x", new int[] {1, 28, 28}, i("i"), i("r").plus(i("p")), i("c").plus(i("q")))));
    assertTrue(r.ok(), () -> r.problem().message());
    assertEquals(Map.of("o", 8, "r", 24, "c", 24, "i", 1, "p", 5, "q", 5), r.extents());
  }

  @Test
  void poolingNeedsAWhereClauseAndRoundsDown() {
    List<String> idx = List.of("ch", "r", "c", "p", "q");
    Access a = read("a", new int[] {8, 25, 24}, i("ch"), i("r").times(2).plus(i("p")), i("c").times(2).plus(i("q")));
    Result missing = Ranges.infer(idx, Map.of(), List.of(), List.of(a));
    assertEquals(Kind.UNBOUNDED, missing.problem().kind());
    assertEquals("r", missing.problem().index());
    assertTrue(missing.problem().message().contains("where"), missing.problem().message());
    Result r = Ranges.infer(idx, Map.of(), List.of(
        new Cond.OnIndices(i("p"), Cond.Cmp.LT, Affine.constant(2)),
        new Cond.OnIndices(Affine.constant(1), Cond.Cmp.GE, i("q"))), List.of(a));
    assertTrue(r.ok(), () -> r.problem().message());
    assertEquals(Map.of("ch", 8, "r", 12, "c", 12, "p", 2, "q", 2), r.extents());
    assertEquals(List.of(), r.guards());
  }

  @Test
  void emptyRangesAndReadsThatMayLeaveAreProblems() {
    // y[r] = sum(p) x[r + p] with p < 10 on x[6]: r would need a negative count
    Result empty = Ranges.infer(List.of("r", "p"), Map.of(), List.of(new Cond.OnIndices(i("p"), Cond.Cmp.LT, Affine.constant(10))),
        List.of(read("x", new int[] {6}, i("r").plus(i("p")))));
    assertEquals(Kind.EMPTY, empty.problem().kind());
    assertEquals("r", empty.problem().index());
    // y[i] = x[i] + x[i + 1]: i is bounded by the first read, the second may leave
    Result out = Ranges.infer(List.of("i"), Map.of(), List.of(),
        List.of(read("x", new int[] {5}, i("i")), read("x", new int[] {5}, i("i").plus(Affine.constant(1)))));
    assertEquals(Kind.OUT_OF_BOUNDS, out.problem().kind());
    assertEquals(0, out.problem().axis());
    assertTrue(out.problem().message().contains("takes values 1 .. 5, the axis has 0 .. 4"), out.problem().message());
  }

  @Test
  void relationsStayGuardsAndDataIndicesBoundNothing() {
    // att[i, j] = select(j <= i, ...) where j <= i ; rows[t, d] = E[tok[t], d]
    Result r = Ranges.infer(List.of("i", "j"), Map.of(), List.of(new Cond.OnIndices(i("j"), Cond.Cmp.LE, i("i"))),
        List.of(read("s", new int[] {4, 4}, i("i"), i("j"))));
    assertTrue(r.ok());
    assertEquals(1, r.guards().size());
    Result g = Ranges.infer(List.of("t", "d"), Map.of(), List.of(), List.of(
        read("E", new int[] {27, 16}, new IndexExpr.DataIndex(1, List.of(i("t")), 0), i("d")),
        read("tok", new int[] {8}, i("t"))));
    assertTrue(g.ok());
    assertEquals(Map.of("t", 8, "d", 16), g.extents());
    Result declared = Ranges.infer(List.of("i"), Map.of("i", 3), List.of(), List.of(read("x", new int[] {5}, i("i"))));
    assertEquals(Map.of("i", 3), declared.extents());
  }

  @Test
  void aLeastValueFromAGuardNarrowsTheProof() {
    // back[t, d] = E[tok[t - 1], d] where t >= 1, tok[8]: t - 1 is read only from t = 1 on
    Access tok = read("tok", new int[] {8}, i("t").plus(Affine.constant(-1)));
    Result unguarded = Ranges.infer(List.of("t"), Map.of(), List.of(), List.of(tok));
    assertEquals(Kind.OUT_OF_BOUNDS, unguarded.problem().kind());
    assertTrue(unguarded.problem().message().contains("takes values -1 .. 7"), unguarded.problem().message());
    Cond.OnIndices fromOne = new Cond.OnIndices(i("t"), Cond.Cmp.GE, Affine.constant(1));
    Result r = Ranges.infer(List.of("t"), Map.of(), List.of(fromOne), List.of(tok));
    assertTrue(r.ok(), () -> r.problem().message());
    assertEquals(Map.of("t", 9), r.extents());            // the largest range, as always: t - 1 up to 7
    assertEquals(List.of(fromOne), r.guards());           // still a guard: 0 where it fails
    // 0 < t says the same; a guard that never holds narrows nothing; a relation narrows nothing
    assertTrue(Ranges.infer(List.of("t"), Map.of(), List.of(new Cond.OnIndices(Affine.constant(0), Cond.Cmp.LT, i("t"))),
        List.of(tok)).ok());
    assertEquals(Kind.OUT_OF_BOUNDS, Ranges.infer(List.of("t"), Map.of("t", 8),
        List.of(new Cond.OnIndices(i("t"), Cond.Cmp.GE, Affine.constant(9))), List.of(tok)).problem().kind());
    assertEquals(Kind.OUT_OF_BOUNDS, Ranges.infer(List.of("t", "u"), Map.of(),
        List.of(new Cond.OnIndices(i("t"), Cond.Cmp.GT, i("u"))),
        List.of(tok, read("x", new int[] {8}, i("u")))).problem().kind());
  }
}
