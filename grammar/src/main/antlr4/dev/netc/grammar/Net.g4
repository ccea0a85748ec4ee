// The .net language (docs/language.md). No actions: the AST is built by a visitor in the
// compiler module. Every alternative that the visitor must tell apart carries a label.
grammar Net;

file
    : sep* (packageDecl sep*)? (topItem sep*)* EOF
    ;

// At file level: networks, functions, and imports of other files' functions.
topItem
    : network                                        # networkTop
    | funcDef                                        # defTop
    | USE STRING                                     # useTop
    ;

// 'def f(a, b) = e' or 'def f(a) { v = e; ...; return e }', optionally followed by a custom
// derivative 'grad(g) = e' (the word 'grad' is checked by the AST builder).
funcDef
    : DEF NAME LPAREN (NAME (COMMA NAME)*)? RPAREN funcBody (NEWLINE* NAME LPAREN NAME RPAREN ASSIGN expr)?
    ;

funcBody
    : ASSIGN expr                                    # exprBody
    | LBRACE sep* (bodyItem sep+)* RETURN expr sep* RBRACE  # blockBody
    ;

bodyItem
    : NAME ASSIGN expr                               # bodyAssign
    | NAME LBRACK NAME (COMMA NAME)* RBRACK ASSIGN expr (WHERE condition (COMMA condition)*)?  # bodyIndex
    ;

packageDecl
    : PACKAGE qualifiedName SEMI
    ;

qualifiedName
    : NAME (DOT NAME)*
    ;

network
    : NETWORK NAME LBRACE sep* (item (sep+ item)*)? sep* RBRACE
    ;

sep
    : NEWLINE
    | SEMI
    ;

item
    : INPUT decl (COMMA decl)*                       # inputItem
    | TARGET decl (COMMA decl)*                      # targetItem
    | PARAM decl (INIT initializer)?                 # paramItem
    | CONST NAME ASSIGN expr                         # constItem
    | OUTPUT NAME (COMMA NAME)*                      # outputItem
    | LOSS ASSIGN expr                               # lossItem
    | NAME ASSIGN expr                               # assignItem
    | NAME LBRACK NAME (COMMA NAME)* RBRACK ASSIGN expr (WHERE condition (COMMA condition)*)?  # indexItem
    | funcDef                                        # defItem
    // 'state h[H] = init' and 'for t in 0 .. T { ... }': the words are names chosen by a predicate
    // (and 'in' checked by the AST builder), so 'state', 'for' and 'in' stay usable as names;
    // '0..T' lexes as the number '0.' and one DOT
    | {_input.LT(1).getText().equals("state")}? NAME decl ASSIGN expr  # stateItem
    | {_input.LT(1).getText().equals("for")}? NAME NAME NAME expr DOT DOT? expr LBRACE sep* (item (sep+ item)*)? sep* RBRACE  # forItem
    ;

// A comparison: in a 'where' clause, and as the first argument of select.
condition
    : expr op=(LT | LE | GT | GE | EQ | NE) expr
    ;

// A call argument: positional, a keyword argument (stride=2), or a condition (select's).
argument
    : NAME ASSIGN expr                               # keywordArg
    | condition                                      # conditionArg
    | expr                                           # positionalArg
    ;

// An optional element type after the sizes ('int': class indices or token ids) and, for an
// int target, a padding id ('ignore=0'). Both are plain names, checked by the compiler, so
// 'int' and 'ignore' stay usable as names (a Java keyword is a legal name).
decl
    : NAME (LBRACK expr (COMMA expr)* RBRACK)? (elemType=NAME (ignoreKw=NAME ASSIGN ignoreValue=expr)?)?
    ;

initializer
    : NAME (LPAREN (expr (COMMA expr)*)? RPAREN)?
    ;

// ANTLR gives earlier alternatives higher precedence, so this reads from the tightest binding
// form down to '+', then the reductions. Unary minus binds looser than '^' (so -x^2 is
// -(x^2)); '^' is right-associative and its exponent may carry its own sign (x ^ -1).
// A reduction 'sum(k) e' binds loosest: its body extends as far right as it can. 'sum(x)'
// followed by an operator is a call (the first alternative wins an ambiguity), so a reduction
// whose body starts with a sign needs parentheses: sum(k) (-x[k]).
expr
    : NAME LPAREN (argument (COMMA argument)*)? RPAREN   # callExpr
    | NAME LBRACK expr (COMMA expr)* RBRACK          # indexExpr
    | LBRACK expr (COMMA expr)* RBRACK               # listExpr
    | LPAREN expr RPAREN                             # parenExpr
    | NUMBER                                         # numberExpr
    | NAME                                           # nameExpr
    | <assoc = right> expr CARET expr                # powExpr
    | op=(MINUS | PLUS) expr                         # unaryExpr
    | expr op=(STAR | DOTSTAR | HADAMARD | SLASH) expr  # mulExpr
    | expr op=(PLUS | MINUS) expr                    # addExpr
    | NAME LPAREN NAME (COMMA NAME)* RPAREN expr      # reduceExpr
    ;

PACKAGE : 'package';
NETWORK : 'network';
INPUT   : 'input';
TARGET  : 'target';
PARAM   : 'param';
CONST   : 'const';
INIT    : 'init';
OUTPUT  : 'output';
LOSS    : 'loss';
DEF     : 'def';
USE     : 'use';
RETURN  : 'return';
WHERE   : 'where';

PLUS     : '+';
MINUS    : '-';
STAR     : '*';
DOTSTAR  : '.*';
HADAMARD : '\u2299';
SLASH    : '/';
CARET    : '^';
LE       : '<=';
GE       : '>=';
EQ       : '==';
NE       : '!=';
LT       : '<';
GT       : '>';
ASSIGN   : '=';
LPAREN   : '(';
RPAREN   : ')';
LBRACK   : '[';
RBRACK   : ']';
LBRACE   : '{';
RBRACE   : '}';
COMMA    : ',';
SEMI     : ';';
DOT      : '.';

NUMBER
    : DIGIT+ ('.' DIGIT*)? EXPONENT?
    | '.' DIGIT+ EXPONENT?
    ;

NAME
    : NAME_START NAME_PART*
    ;

// A file path, as in 'use "layers.net"': no escapes, no line breaks.
STRING
    : '"' ~["\r\n]* '"'
    ;

NEWLINE       : '\r'? '\n' | '\r';
WS            : [ \t\f\u00A0\uFEFF]+ -> channel(HIDDEN);
LINE_COMMENT  : ('//' | '#') ~[\r\n]* -> channel(HIDDEN);
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN);

// Errors the lexer can see, sent to their own channel: the parser never sees them, and the
// compiler reports each with its position.
UNTERMINATED_COMMENT : '/*' (~'*' | '*'+ ~[*/])* '*'* EOF -> channel(2);
ERROR_CHAR           : . -> channel(2);

fragment DIGIT      : [0-9];
fragment EXPONENT   : [eE] [+-]? DIGIT+;
fragment NAME_START : [_\p{L}];
fragment NAME_PART  : [_\p{L}\p{Nd}\p{Mn}\p{Mc}];
