// The .net language (docs/language.md). No actions: the AST is built by a visitor in the
// compiler module. Every alternative that the visitor must tell apart carries a label.
grammar Net;

file
    : sep* (packageDecl sep*)? (network sep*)* EOF
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
    ;

decl
    : NAME (LBRACK expr (COMMA expr)* RBRACK)?
    ;

initializer
    : NAME (LPAREN (expr (COMMA expr)*)? RPAREN)?
    ;

// ANTLR gives earlier alternatives higher precedence, so this reads from the tightest binding
// form down to '+'. Unary minus binds looser than '^' (so -x^2 is -(x^2)); '^' is
// right-associative and its exponent may carry its own sign (x ^ -1).
expr
    : NAME LPAREN (expr (COMMA expr)*)? RPAREN       # callExpr
    | LPAREN expr RPAREN                             # parenExpr
    | NUMBER                                         # numberExpr
    | NAME                                           # nameExpr
    | <assoc = right> expr CARET expr                # powExpr
    | op=(MINUS | PLUS) expr                         # unaryExpr
    | expr op=(STAR | DOTSTAR | HADAMARD | SLASH) expr  # mulExpr
    | expr op=(PLUS | MINUS) expr                    # addExpr
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

PLUS     : '+';
MINUS    : '-';
STAR     : '*';
DOTSTAR  : '.*';
HADAMARD : '\u2299';
SLASH    : '/';
CARET    : '^';
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
