package dev.netc.compiler.diag;

import java.util.Locale;

/**
 * The catalogue of every diagnostic the compiler reports: a stable code (never reused for a
 * different meaning), a severity and a message template in {@link String#format} syntax.
 * docs/diagnostics.md lists them for users.
 */
public enum DiagCode {
  // lexical and syntax
  BAD_CHARACTER("E001", Severity.ERROR, "unexpected character '%s'"),
  UNTERMINATED_COMMENT("E002", Severity.ERROR, "unterminated block comment: '/*' has no matching '*/'"),
  SYNTAX("E003", Severity.ERROR, "%s"),
  KEYWORD_AS_NAME("E004", Severity.ERROR, "'%s' is a keyword and cannot be used as a name"),
  TOO_DEEP("E005", Severity.ERROR, "this is nested too deeply for the compiler; split it into named values"),

  // package and network names
  BAD_PACKAGE("E010", Severity.ERROR, "'%s' is not a valid Java package name: %s"),
  BAD_NETWORK_NAME("E011", Severity.ERROR, "'%s' is not a valid Java class name: %s"),
  DUPLICATE_NETWORK("E012", Severity.ERROR, "network '%s' is already defined in %s at %s"),

  // names
  UNKNOWN_NAME("E020", Severity.ERROR, "unknown name '%s'"),
  REDEFINED("E021", Severity.ERROR, "'%s' is already defined at line %d"),
  USED_BEFORE_DECLARED("E022", Severity.ERROR, "'%s' is used before it is declared at line %d"),
  UNKNOWN_FUNCTION("E023", Severity.ERROR, "unknown function '%s'"),
  FUNCTION_AS_VALUE("E024", Severity.ERROR, "'%s' is a function; call it with arguments, as in %s"),
  UNKNOWN_INITIALIZER("E025", Severity.ERROR, "unknown initializer '%s'; expected one of %s"),
  INITIALIZER_ARGS("E026", Severity.ERROR, "initializer '%s' takes %s, but got %d"),
  NOT_A_CONST("E027", Severity.ERROR, "%s must be a constant expression, but '%s' is not a const"),
  CONST_CALL("E028", Severity.ERROR, "%s must be a constant expression, but calls '%s'"),

  // network structure
  NO_OUTPUT_OR_LOSS("E030", Severity.ERROR, "network '%s' has neither an output nor a loss"),
  TWO_LOSSES("E031", Severity.ERROR, "a network has at most one loss; the first is at line %d"),
  LOSS_NOT_SCALAR("E032", Severity.ERROR, "the loss must be a scalar, but this is %s"),
  DUPLICATE_OUTPUT("E033", Severity.ERROR, "'%s' is already an output"),
  OUTPUT_NOT_VALUE("E034", Severity.ERROR, "output '%s' is a const; outputs name inputs, params or values"),
  OUTPUT_NEEDS_TARGET("E035", Severity.ERROR, "output '%s' depends on target '%s', but predict is given inputs only"),

  // shapes and calls
  BAD_SIZE("E040", Severity.ERROR, "a size must be a positive integer, but this is %s"),
  TOO_MANY_DIMS("E041", Severity.ERROR, "a value has at most 4 dimensions, but '%s' declares %d"),
  SHAPE_MISMATCH("E042", Severity.ERROR, "'%s' cannot broadcast %s and %s: aligned from the last axis, sizes must be equal or 1"),
  MATMUL_MISMATCH("E043", Severity.ERROR, "'*' cannot multiply %s by %s: the inner sizes %d and %d differ"),
  MATMUL_HINT("E044", Severity.ERROR, "'*' cannot multiply %s by %s; %s"),
  ARG_SHAPE("E045", Severity.ERROR, "'%s' needs %s, but got %s"),
  ARITY("E046", Severity.ERROR, "'%s' takes %s, but got %d"),
  NOT_CONSTANT("E047", Severity.ERROR, "%s must be a constant scalar expression"),
  NOT_FINITE("E048", Severity.ERROR, "%s is not a finite number: %s"),
  NAME_NOT_JAVA("E049", Severity.ERROR, "'%s' cannot be a name: its character %s is not allowed in Java 17 identifiers"),
  RESERVED_PACKAGE("E050", Severity.ERROR, "package '%s' is reserved: %s"),
  FLOAT_RANGE("E051", Severity.ERROR, "%s is %s, beyond the float range (largest 3.4028235E38); compile with --precision double or use a smaller value"),
  BAD_INIT_ARG("E052", Severity.ERROR, "initializer '%s' needs %s, but got %s"),
  DROPOUT_PROBABILITY("E053", Severity.ERROR, "the probability of 'dropout' must be at least 0 and below 1, but it is %s"),
  NAME_TOO_LONG("E060", Severity.ERROR, "the name '%s' is %d bytes long in UTF-8; a name may have at most %d (it becomes Java identifiers and file names)"),

  // tensors and index notation
  TOO_MANY_ELEMENTS("E100", Severity.ERROR, "'%s' would hold %s elements; a value holds at most %d"),
  INDEX_SHADOWS("E101", Severity.ERROR, "index '%s' has the name of a declared %s; an index must shadow nothing"),
  INDEX_REPEATED("E102", Severity.ERROR, "index '%s' is already an index of this definition"),
  NOT_AFFINE("E103", Severity.ERROR, "an index position must be affine in the indices with integer coefficients (such as 2*r + p - 1), but this is not"),
  TENSOR_AS_NUMBER("E104", Severity.ERROR, "'%s' has shape %s; in an index definition read one element, such as %s"),
  READ_RANK("E105", Severity.ERROR, "'%s' has %d %s but is read with %d %s"),
  NOT_SCALAR_FUNCTION("E106", Severity.ERROR, "'%s' is not an elementwise function and cannot be used inside an index definition; %s"),
  INDEX_RANGE("E107", Severity.ERROR, "%s"),
  READ_OUT_OF_BOUNDS("E108", Severity.ERROR, "%s"),
  MISPLACED("E109", Severity.ERROR, "%s"),
  INDEX_OUT_OF_SCOPE("E110", Severity.ERROR, "index '%s' belongs to a reduction and is used outside it"),
  GUARD_HAS_NO_HOME("E111", Severity.ERROR, "this 'where' clause relates indices of different reductions (%s), so no element satisfies it"),

  // functions and imports
  RECURSIVE("E120", Severity.ERROR, "function '%s' calls itself (%s); a def may not be recursive"),
  DEF_SHADOWS("E121", Severity.ERROR, "'%s' is a built-in function; a def may not redefine it"),
  DEF_REDEFINED("E122", Severity.ERROR, "function '%s' is already defined at %s"),
  USE_NOT_FOUND("E123", Severity.ERROR, "cannot read '%s' (%s): %s"),
  USE_CYCLE("E124", Severity.ERROR, "'%s' imports itself: %s"),
  CUSTOM_GRAD_PARAMS("E125", Severity.ERROR, "a derivative 'grad(g) = ...' belongs to a def of one parameter, but '%s' has %d"),
  CUSTOM_GRAD_SHAPE("E126", Severity.ERROR, "the derivative of '%s' must have its argument's shape %s, but it has %s"),
  GRAD_NOT_A_NAME("E127", Severity.ERROR, "the second argument of 'grad' must name an input, target, param or named value, but %s"),
  GRAD_NOT_SCALAR("E128", Severity.ERROR, "'grad' differentiates a scalar, but its first argument is %s; reduce it first, as in grad(sum(y), x)"),

  // integer inputs and targets, gathers
  INT_NOT_ALLOWED("E130", Severity.ERROR, "%s"),
  BAD_IGNORE("E131", Severity.ERROR, "%s"),
  INT_AS_VALUE("E132", Severity.ERROR, "'%s' holds integers (class indices or token ids), not numbers; use its elements as positions (E[%s[t], d]) or pass it as the class indices of softmax_cross_entropy"),
  INDEX_NOT_INT("E133", Severity.ERROR, "'%s' is not an int input or target, so its elements cannot be positions; declare it 'input %s[...] int'"),
  BAD_ELEMENT_TYPE("E134", Severity.ERROR, "unknown element type '%s' after the sizes of '%s'; the only one is 'int' (class indices or token ids)"),

  // recurrences: state and for blocks
  STATE_OUTSIDE("E140", Severity.ERROR, "'%s' is a state: it can only be used inside a for block that updates it; collect what you need there with %s[t] = ..."),
  STATE_NOT_UPDATED("E141", Severity.ERROR, "state '%s' is read in this for block but not updated in it; a for block assigns each state it reads once per step"),
  STATE_ASSIGNED_TWICE("E142", Severity.ERROR, "state '%s' is already assigned in this step at line %d; a state is updated once per step"),
  ASSIGN_NOT_STATE("E143", Severity.ERROR, "'%s' is a %s declared at line %d; inside a for block only states may be reassigned"),
  COLLECTED_TWICE("E144", Severity.ERROR, "'%s[%s]' is already collected at line %d; each sequence is collected once per step"),
  BAD_LOOP_RANGE("E145", Severity.ERROR, "%s"),
  LOOP_MISPLACED("E146", Severity.ERROR, "%s"),
  BAD_SEQUENCE_READ("E147", Severity.ERROR, "%s"),
  STATE_SHAPE("E148", Severity.ERROR, "state '%s' is %s, but %s is %s"),
  STATE_TWO_LOOPS("E149", Severity.ERROR, "state '%s' is already updated by the for block at line %d; each state belongs to one for block"),

  // internal (a rule missing for an op is reported, never thrown)
  NO_DERIVATIVE("E090", Severity.ERROR, "no derivative rule for '%s'"),

  // warnings
  UNUSED("W001", Severity.WARNING, "%s '%s' is never used"),
  ZERO_GRADIENT("W002", Severity.WARNING, "'%s' has a zero gradient, so nothing under it learns through this path to the loss"),
  NO_PARAM_DEPENDENCE("W003", Severity.WARNING, "%s does not depend on any param"),
  GRAD_INDEPENDENT("W004", Severity.WARNING, "the first argument of 'grad' does not depend on '%s', so this gradient is zero");

  private final String code;
  private final Severity severity;
  private final String template;

  DiagCode(String code, Severity severity, String template) {
    this.code = code;
    this.severity = severity;
    this.template = template;
  }

  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }

  public String template() {
    return template;
  }

  public String format(Object... args) {
    return String.format(Locale.ROOT, template, args);
  }
}
