/*
 * The Strata language. Statements end at a newline or ';'; newlines inside (...) and [...]
 * are ignored, so a long call or type may span lines. A line may also continue after a binary
 * operator.
 */
grammar Strata;

@lexer::members {
    private int nesting = 0;
}

file        : sep* (importDecl sep+)* (topDecl (sep+ topDecl)*)? sep* EOF ;
sep         : NL | ';' ;

importDecl  : 'import' (qualName ('.' '*')? | STRING) ;
qualName    : ident ('.' ident)* ;

topDecl     : component | fnDecl | maskDecl | scoreDecl | constDecl ;

component   : kind=('model' | 'module') name=ident params?
              ('extends' parent=qualName args?)? compBody ;
compBody    : '{' sep* (member (sep+ member)*)? sep* '}' ;

member      : 'hyper' ident (':' typeRef)? '=' expr                         # hyperMember
            | 'preset' presetName ('extends' presetName)? '{' sep* (presetItem (sep+ presetItem)*)? sep* '}'  # presetMember
            | trainBlock                                                 # trainMember
            | 'input' ident ':' typeRef ('requires' expr)?                  # inputMember
            | 'param' ident ':' typeRef ('~' init=expr)? ('if' cond=expr)? # paramMember
            | 'slot' ident params '->' typeRef '=' NL* expr                    # slotMember
            | 'requires' expr                                            # requiresMember
            | 'forward' params? ('->' typeRef)? (block | '=' NL* expr)       # forwardMember
            | 'loss' ident params ('->' typeRef)? (block | '=' NL* expr)     # lossMember
            | fnDecl                                                     # fnMember
            | maskDecl                                                   # maskMember
            | scoreDecl                                                  # scoreMember
            | ident '=' NL* expr                                            # bindMember
            ;
presetName  : (INT? ident | INT) ('-' (INT? ident | INT))* ;   // `7b` lexes as an integer and a name; `nanogpt-cpu`
presetItem  : presetEntry | trainBlock ;
presetEntry : ident '=' expr ;
/* A training recipe: `train { steps = 2000; lr = 1e-3 }`, in a model (its defaults) or a preset. */
trainBlock  : 'train' '{' sep* (presetEntry (sep+ presetEntry)*)? sep* '}' ;

constDecl   : 'const' ident '=' expr ;
fnDecl      : ('fn' | 'layer') ident params ('->' typeRef)? (block | '=' NL* expr) ;
maskDecl    : 'mask' ident (data=params)? idx=idxParams '=' NL* expr ;
scoreDecl   : 'score' ident (data=params)? idx=idxParams '=' NL* expr ;
idxParams   : '(' ident (',' ident)* ')' ;

params      : '(' (param (',' param)*)? ')' ;
param       : ident (':' typeRef)? ('=' expr)? ;

typeRef     : DTYPE '[' (dim (',' dim)*)? ']'                            # tensorType
            | DTYPE                                                       # scalarType
            | (ident | 'fn')                                                 # namedType
            ;
dim         : '..'                                                        # restDim
            | expr                                                        # exprDim
            ;

block       : '{' sep* (stmt (sep+ stmt)*)? sep* '}' ;
stmt        : ident (',' ident)* '=' NL* expr                                      # assignStmt
            | 'return' expr (',' expr)*                                   # returnStmt
            | 'if' expr block ('else' (block | ifTail=stmt))?             # ifStmt
            | 'requires' expr                                             # requireStmt
            ;

expr        : 'repeat' count=opExpr ':' loop=expr                         # repeatExpr
            | 'shared' 'repeat' count=opExpr ':' loop=expr                # sharedRepeatExpr
            | 'if' cond=expr 'then' NL* a=expr NL* 'else' NL* b=expr      # ifExpr
            | opExpr                                                      # plainExpr
            ;
// ANTLR 4 gives the first alternatives the highest precedence: postfix, **, unary -, *, +, compare, not, and, or.
opExpr      : opExpr '^T'                                                   # transposeExpr
            | opExpr '.' ident                                                 # memberExpr
            | opExpr '[' index (',' index)* ']'                             # indexExpr
            | opExpr args                                                   # callExpr
            | <assoc=right> opExpr '**' NL* opExpr                            # powExpr
            | '-' opExpr                                                    # negExpr
            | opExpr op=('*' | '/' | '%' | '@') NL* opExpr             # mulExpr
            | opExpr op=('+' | '-') NL* opExpr                                # addExpr
            | opExpr op=('==' | '!=' | '<' | '<=' | '>' | '>=') NL* opExpr    # compareExpr
            | 'not' opExpr                                                  # notExpr
            | opExpr 'and' NL* opExpr                                         # andExpr
            | opExpr 'or' NL* opExpr                                      # orExpr
            | 'route' weights=expr '{' sep* (expr (sep+ expr)*)? sep* '}' # routeExpr
            | '(' expr ',' (expr (',' expr)*)? ')'                        # tupleExpr
            | '[' (expr (',' expr)*)? ']'                                 # listExpr
            | '(' expr ')'                                                # parenExpr
            | INT                                                         # intLit
            | FLOAT                                                       # floatLit
            | STRING                                                      # stringLit
            | ('true' | 'false')                                          # boolLit
            | 'none'                                                      # noneLit
            | DTYPE                                                       # dtypeLit
            | ident                                                          # nameExpr
            ;
args        : '(' (arg (',' arg)*)? ')' ;
arg         : (ident '=')? expr ;
index       : '..'                                                        # restIndex
            | lo=expr? ':' hi=expr? (':' step=expr)?                      # sliceIndex
            | expr                                                        # exprIndex
            ;

/* Words that start a declaration are keywords only where a declaration may start. */
ident       : ID | 'mask' | 'score' | 'input' | 'param' | 'slot' | 'hyper' | 'preset' | 'forward' | 'loss' | 'train'
            | 'module' | 'model' | 'layer' | 'const' ;

DTYPE       : 'f32' | 'bf16' | 'f16' | 'i32' | 'i64' | 'bool' ;
ID          : [a-zA-Z_] [a-zA-Z_0-9]* ;
FLOAT       : [0-9]+ '.' [0-9]* EXP? | [0-9]+ EXP | '.' [0-9]+ EXP? ;
INT         : [0-9]+ ('_' [0-9]+)* ;
fragment EXP: [eE] [+-]? [0-9]+ ;
STRING      : '"' (~["\\\r\n] | '\\' .)* '"' ;
LPAREN      : '(' { nesting++; } ;
RPAREN      : ')' { if (nesting > 0) nesting--; } ;
LBRACK      : '[' { nesting++; } ;
RBRACK      : ']' { if (nesting > 0) nesting--; } ;
NL          : ('\r'? '\n' | '\r') { if (nesting > 0) skip(); } ;
WS          : [ \t\f]+ -> skip ;
COMMENT     : '//' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' .*? '*/' -> skip ;
