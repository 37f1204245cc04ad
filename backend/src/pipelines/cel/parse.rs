//! Lexer and recursive-descent parser for the CEL subset, and `Display` back to CEL text.
//!
//! Grammar (CEL's, minus what KFP never writes):
//!
//! ```text
//! expr     = and { "||" and }
//! and      = relation { "&&" relation }
//! relation = unary { ("==" | "!=" | "<" | "<=" | ">" | ">=") unary }
//! unary    = member | "!" { "!" } member | "-" { "-" } member
//! member   = primary { "." IDENT | "[" expr "]" }
//! primary  = literal | IDENT | FUNCTION "(" expr ")" | "(" expr ")"
//! ```
//!
//! A minus sign directly before a number literal is folded into it (`-3` is `Int(-3)`), as
//! cel-go does, so `-9223372036854775808` is a valid int.

use std::fmt;

use super::CelError;

/// A parsed expression. Parentheses leave no node: precedence is in the tree's shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
    /// A variable: `inputs` for conditions, `string_value` for selectors.
    Ident(String),
    /// `x.name`: a map's entry (CEL's field selection on a map).
    Member(Box<Expr>, String),
    /// `x[i]`: a map's entry or a list's element.
    Index(Box<Expr>, Box<Expr>),
    Call(Function, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
}

/// The functions of the subset; each takes one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Int,
    Double,
    String,
    ParseJson,
    Size,
}

impl Function {
    pub const ALL: [Function; 5] = [
        Function::Int,
        Function::Double,
        Function::String,
        Function::ParseJson,
        Function::Size,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Function::Int => "int",
            Function::Double => "double",
            Function::String => "string",
            Function::ParseJson => "parseJson",
            Function::Size => "size",
        }
    }

    fn from_name(name: &str) -> Option<Function> {
        Function::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
        }
    }

    fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            _ => 3,
        }
    }

    fn relation(symbol: &str) -> Option<BinaryOp> {
        Some(match symbol {
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<" => BinaryOp::Lt,
            "<=" => BinaryOp::Le,
            ">" => BinaryOp::Gt,
            ">=" => BinaryOp::Ge,
            _ => return None,
        })
    }
}

/// Bounds that keep the recursion of parsing, evaluating, printing and dropping a tree far from
/// the end of a 2 MiB stack, whatever is uploaded. The longest expression the compiler writes,
/// the Else after N Elifs, is about 15 tokens and one level of depth per branch.
pub const MAX_TOKENS: usize = 4096;
/// Parentheses, brackets and call arguments inside one another.
pub const MAX_NESTING: usize = 64;
/// Of the tree: a chain of N `&&` is N deep.
pub const MAX_DEPTH: usize = 256;

/// Parses CEL text. Errors carry the character offset and what was expected there.
pub fn parse(text: &str) -> Result<Expr, CelError> {
    let tokens = lex(text)?;
    if let Some((_, at)) = tokens.get(MAX_TOKENS) {
        let message = format!("the expression is too long (over {MAX_TOKENS} tokens)");
        return Err(error_at(text, *at, message));
    }
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        nesting: 0,
    };
    let expr = parser.expr()?;
    match parser.peek() {
        Tok::End => {}
        Tok::Punct(op @ ("+" | "-" | "*" | "/" | "%" | "?" | ":")) => {
            let message = format!("the '{op}' operator is not supported");
            return Err(parser.error_here(message));
        }
        _ => return Err(parser.expected("an operator or the end of the expression")),
    }
    if expr.depth() > MAX_DEPTH {
        let message = format!("the expression is too deep (over {MAX_DEPTH} levels)");
        return Err(error_at(text, 0, message));
    }
    Ok(expr)
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(u64),
    Double(f64),
    Str(String),
    Ident(String),
    Punct(&'static str),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Int(_) | Tok::Double(_) => f.write_str("a number"),
            Tok::Str(_) => f.write_str("a string"),
            Tok::Ident(name) => write!(f, "'{name}'"),
            Tok::Punct(p) => write!(f, "'{p}'"),
            Tok::End => f.write_str("the end"),
        }
    }
}

/// Longest first. `+ * / % ? : { }` are lexed only to say that they are not supported.
const PUNCTS: [&str; 24] = [
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "-", "(", ")", "[", "]", ".", ",", "+", "*",
    "/", "%", "?", ":", "{", "}",
];

/// Byte offset to character offset, for messages.
fn char_offset(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count()
}

fn error_at(text: &str, byte: usize, message: impl Into<String>) -> CelError {
    CelError::Parse {
        offset: char_offset(text, byte),
        message: message.into(),
    }
}

fn lex(text: &str) -> Result<Vec<(Tok, usize)>, CelError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            // A comment runs to the end of the line.
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        let start = i;
        let tok = if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let (tok, end) = lex_number(text, i)?;
            i = end;
            tok
        } else if c == b'_' || c.is_ascii_alphabetic() {
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            Tok::Ident(text[start..i].to_string())
        } else if c == b'\'' || c == b'"' {
            let (s, end) = lex_string(text, i)?;
            i = end;
            Tok::Str(s)
        } else if let Some(p) = PUNCTS.iter().find(|p| text[i..].starts_with(**p)) {
            i += p.len();
            Tok::Punct(p)
        } else {
            let ch = text[i..].chars().next().unwrap_or('?');
            return Err(error_at(text, i, format!("unexpected character '{ch}'")));
        };
        tokens.push((tok, start));
    }
    tokens.push((Tok::End, text.len()));
    Ok(tokens)
}

/// `123`, `0x1F`, `2.5`, `.5`, `1e-07`, `1.5E+20`. Returns the token and the end offset.
fn lex_number(text: &str, start: usize) -> Result<(Tok, usize), CelError> {
    let bytes = text.as_bytes();
    let digits_from = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);

    if at(start) == b'0' && matches!(at(start + 1), b'x' | b'X') {
        let mut end = start + 2;
        while at(end).is_ascii_hexdigit() {
            end += 1;
        }
        let value = u64::from_str_radix(&text[start + 2..end], 16)
            .map_err(|_| error_at(text, start, "invalid hexadecimal literal"))?;
        return int_end(text, value, end, start);
    }

    let mut end = digits_from(start);
    let mut is_double = false;
    if at(end) == b'.' && at(end + 1).is_ascii_digit() {
        end = digits_from(end + 1);
        is_double = true;
    }
    if matches!(at(end), b'e' | b'E') {
        let mut exp = end + 1;
        if matches!(at(exp), b'+' | b'-') {
            exp += 1;
        }
        if at(exp).is_ascii_digit() {
            end = digits_from(exp);
            is_double = true;
        }
    }
    let literal = &text[start..end];
    if is_double {
        let value: f64 = literal
            .parse()
            .map_err(|_| error_at(text, start, "invalid double literal"))?;
        if !value.is_finite() {
            return Err(error_at(
                text,
                start,
                format!("double literal out of range: {literal}"),
            ));
        }
        return Ok((Tok::Double(value), end));
    }
    let value = literal.parse::<u64>().map_err(|_| {
        error_at(
            text,
            start,
            format!("integer literal out of range: {literal}"),
        )
    })?;
    int_end(text, value, end, start)
}

fn int_end(text: &str, value: u64, end: usize, start: usize) -> Result<(Tok, usize), CelError> {
    if matches!(text.as_bytes().get(end), Some(b'u' | b'U')) {
        return Err(error_at(
            text,
            start,
            "unsigned integer literals are not supported",
        ));
    }
    Ok((Tok::Int(value), end))
}

/// A single- or double-quoted string with CEL's escapes. Returns the value and the end offset.
fn lex_string(text: &str, start: usize) -> Result<(String, usize), CelError> {
    let quote = text.as_bytes()[start] as char;
    let triple: String = [quote; 3].iter().collect();
    if text[start..].starts_with(&triple) {
        return Err(error_at(
            text,
            start,
            "triple-quoted strings are not supported",
        ));
    }
    let mut out = String::new();
    let mut chars = text[start + 1..]
        .char_indices()
        .map(|(i, c)| (start + 1 + i, c));
    while let Some((i, c)) = chars.next() {
        match c {
            c if c == quote => return Ok((out, i + 1)),
            '\n' | '\r' => return Err(error_at(text, i, "newline in a string literal")),
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                let simple = match e {
                    '\\' | '\'' | '"' | '`' | '?' => Some(e),
                    'a' => Some('\u{7}'),
                    'b' => Some('\u{8}'),
                    'f' => Some('\u{c}'),
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    'v' => Some('\u{b}'),
                    _ => None,
                };
                if let Some(s) = simple {
                    out.push(s);
                    continue;
                }
                let (radix, len) = match e {
                    'x' | 'X' => (16, 2),
                    'u' => (16, 4),
                    'U' => (16, 8),
                    '0'..='3' => (8, 2),
                    _ => return Err(error_at(text, i, format!("invalid escape '\\{e}'"))),
                };
                let mut digits = String::new();
                if radix == 8 {
                    digits.push(e);
                }
                for _ in 0..len {
                    match chars.next() {
                        Some((_, d)) if d.is_digit(radix) => digits.push(d),
                        _ => return Err(error_at(text, i, format!("invalid escape '\\{e}'"))),
                    }
                }
                let decoded = u32::from_str_radix(&digits, radix)
                    .ok()
                    .and_then(char::from_u32);
                match decoded {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(error_at(
                            text,
                            i,
                            format!("invalid code point in '\\{e}{}'", &digits),
                        ));
                    }
                }
            }
            c => out.push(c),
        }
    }
    Err(error_at(text, start, "unterminated string literal"))
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(Tok, usize)>,
    pos: usize,
    /// How many `expr()` calls are open: the parser's own recursion.
    nesting: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].0
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + ahead).min(last)].0
    }

    fn offset(&self) -> usize {
        self.tokens[self.pos].1
    }

    fn advance(&mut self) -> Tok {
        let tok = self.tokens[self.pos].0.clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        tok
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Tok::Punct(p) if *p == punct) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn error_here(&self, message: impl Into<String>) -> CelError {
        error_at(self.text, self.offset(), message)
    }

    fn expected(&self, what: &str) -> CelError {
        self.error_here(format!("expected {what}, found {}", self.peek()))
    }

    fn expect(&mut self, punct: &str) -> Result<(), CelError> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(self.expected(&format!("'{punct}'")))
        }
    }

    fn expr(&mut self) -> Result<Expr, CelError> {
        if self.nesting == MAX_NESTING {
            let message =
                format!("the expression is nested too deeply (over {MAX_NESTING} levels)");
            return Err(self.error_here(message));
        }
        self.nesting += 1;
        let expr = self.or();
        self.nesting -= 1;
        expr
    }

    fn or(&mut self) -> Result<Expr, CelError> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Expr::Binary(BinaryOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, CelError> {
        let mut left = self.relation()?;
        while self.eat("&&") {
            let right = self.relation()?;
            left = Expr::Binary(BinaryOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn relation(&mut self) -> Result<Expr, CelError> {
        let mut left = self.unary()?;
        while let Tok::Punct(p) = self.peek() {
            let Some(op) = BinaryOp::relation(p) else {
                break;
            };
            self.advance();
            let right = self.unary()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, CelError> {
        if self.eat("!") {
            let mut count = 1;
            while self.eat("!") {
                count += 1;
            }
            let mut expr = self.member()?;
            for _ in 0..count {
                expr = Expr::Not(Box::new(expr));
            }
            return Ok(expr);
        }
        if !self.eat("-") {
            return self.member();
        }
        let mut count = 1;
        let mut minus_at = self.tokens[self.pos - 1].1;
        while *self.peek() == Tok::Punct("-") {
            minus_at = self.offset();
            self.advance();
            count += 1;
        }
        // Fold the innermost minus into a number literal that is not the base of a member.
        let suffix = matches!(self.peek_at(1), Tok::Punct("." | "["));
        let mut expr = match self.peek().clone() {
            Tok::Int(magnitude) if !suffix => {
                self.advance();
                count -= 1;
                let value = i64::try_from(-i128::from(magnitude)).map_err(|_| {
                    error_at(
                        self.text,
                        minus_at,
                        format!("integer literal out of range: -{magnitude}"),
                    )
                })?;
                Expr::Int(value)
            }
            Tok::Double(value) if !suffix => {
                self.advance();
                count -= 1;
                Expr::Double(-value)
            }
            _ => self.member()?,
        };
        for _ in 0..count {
            expr = Expr::Neg(Box::new(expr));
        }
        Ok(expr)
    }

    fn member(&mut self) -> Result<Expr, CelError> {
        let mut expr = self.primary()?;
        loop {
            if self.eat(".") {
                let Tok::Ident(name) = self.peek().clone() else {
                    return Err(self.expected("a field name"));
                };
                self.advance();
                if *self.peek() == Tok::Punct("(") {
                    return Err(
                        self.error_here(format!("method calls ('.{name}(…)') are not supported"))
                    );
                }
                expr = Expr::Member(Box::new(expr), name);
            } else if self.eat("[") {
                let index = self.expr()?;
                self.expect("]")?;
                expr = Expr::Index(Box::new(expr), Box::new(index));
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, CelError> {
        let start = self.offset();
        match self.peek().clone() {
            Tok::Int(value) => {
                self.advance();
                let value = i64::try_from(value).map_err(|_| {
                    error_at(
                        self.text,
                        start,
                        format!("integer literal out of range: {value}"),
                    )
                })?;
                Ok(Expr::Int(value))
            }
            Tok::Double(value) => {
                self.advance();
                Ok(Expr::Double(value))
            }
            Tok::Str(value) => {
                self.advance();
                Ok(Expr::String(value))
            }
            Tok::Ident(name) => {
                self.advance();
                if *self.peek() == Tok::Punct("(") {
                    return self.call(&name, start);
                }
                Ok(match name.as_str() {
                    "true" => Expr::Bool(true),
                    "false" => Expr::Bool(false),
                    "null" => Expr::Null,
                    _ => Expr::Ident(name),
                })
            }
            Tok::Punct("(") => {
                self.advance();
                let expr = self.expr()?;
                self.expect(")")?;
                Ok(expr)
            }
            Tok::Punct("[" | "{") => {
                Err(self.error_here("list and map literals are not supported"))
            }
            _ => Err(self.expected("an expression")),
        }
    }

    fn call(&mut self, name: &str, start: usize) -> Result<Expr, CelError> {
        let Some(function) = Function::from_name(name) else {
            return Err(error_at(
                self.text,
                start,
                format!("unknown function '{name}'"),
            ));
        };
        self.expect("(")?;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.expr()?);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return Err(self.expected("',' or ')'"));
                }
            }
        }
        match <[Expr; 1]>::try_from(args) {
            Ok([arg]) => Ok(Expr::Call(function, Box::new(arg))),
            Err(args) => Err(error_at(
                self.text,
                start,
                format!("{name}() takes one argument, got {}", args.len()),
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Display: CEL text that parses back to the same tree

impl Expr {
    /// The number of nodes on the longest path from the root, counted without recursion.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(self, 1)];
        while let Some((expr, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            match expr {
                Expr::Member(inner, _)
                | Expr::Call(_, inner)
                | Expr::Not(inner)
                | Expr::Neg(inner) => {
                    stack.push((inner, depth + 1));
                }
                Expr::Index(a, b) | Expr::Binary(_, a, b) => {
                    stack.push((a, depth + 1));
                    stack.push((b, depth + 1));
                }
                _ => {}
            }
        }
        deepest
    }

    /// Binding strength: 1 `||`, 2 `&&`, 3 relations, 4 unary (and negative literals), 5 members.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(op, ..) => op.precedence(),
            Expr::Not(_) | Expr::Neg(_) => 4,
            Expr::Int(v) if *v < 0 => 4,
            Expr::Double(v) if v.is_sign_negative() => 4,
            _ => 5,
        }
    }

    fn fmt_at(&self, f: &mut fmt::Formatter<'_>, min: u8) -> fmt::Result {
        if self.precedence() < min {
            write!(f, "(")?;
            self.fmt_at(f, 0)?;
            return write!(f, ")");
        }
        match self {
            Expr::Null => f.write_str("null"),
            Expr::Bool(b) => write!(f, "{b}"),
            Expr::Int(v) => write!(f, "{v}"),
            // `{:?}` always writes a '.' or an exponent, so the literal stays a double.
            Expr::Double(v) => write!(f, "{v:?}"),
            Expr::String(s) => write_quoted(f, s),
            Expr::Ident(name) => f.write_str(name),
            Expr::Member(base, name) => {
                base.fmt_at(f, 5)?;
                write!(f, ".{name}")
            }
            Expr::Index(base, index) => {
                base.fmt_at(f, 5)?;
                write!(f, "[")?;
                index.fmt_at(f, 0)?;
                write!(f, "]")
            }
            Expr::Call(function, arg) => {
                write!(f, "{}(", function.name())?;
                arg.fmt_at(f, 0)?;
                write!(f, ")")
            }
            Expr::Not(inner) => {
                write!(f, "!")?;
                inner.fmt_at(f, 5)
            }
            Expr::Neg(inner) => {
                write!(f, "-")?;
                // A bare number after '-' would fold into the literal on the way back.
                let min = if matches!(**inner, Expr::Int(_) | Expr::Double(_)) {
                    6
                } else {
                    5
                };
                inner.fmt_at(f, min)
            }
            Expr::Binary(op, left, right) => {
                let p = op.precedence();
                left.fmt_at(f, p)?;
                write!(f, " {} ", op.symbol())?;
                right.fmt_at(f, p + 1)
            }
        }
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_at(f, 0)
    }
}
