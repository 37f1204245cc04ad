//! The expressions exactly as kfp 2.17.3 writes them (`kfp_cel_cases.py`, research §4), the
//! selector form, what the compiler writes that is not CEL, and the language's corners.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;

/// Parameter values as KFP's driver holds them: protobuf Values, every number a double.
fn params(value: Value) -> Map<String, Value> {
    let Value::Object(map) = value else {
        panic!("an object")
    };
    map.into_iter()
        .map(|(k, v)| (format!("pipelinechannel--{k}"), v))
        .collect()
}

fn set_a() -> Map<String, Value> {
    params(
        json!({"i-Output": 2.0, "f-Output": 2.5, "s-Output": "x", "b-Output": true,
                  "pi": 1.0, "pf": 1.0, "ps": "a", "pb": true}),
    )
}

fn set_b() -> Map<String, Value> {
    params(
        json!({"i-Output": -3.0, "f-Output": -3.0, "s-Output": "true", "b-Output": false,
                  "pi": -3.0, "pf": -3.0, "ps": "true", "pb": false}),
    )
}

/// Every distinct condition of research §4's table (`kfp_cel_cases.py` output) with its value
/// under `set_a` and `set_b`. Expected values came from evaluating the same comparisons in
/// Python over the same numbers. Note the compiler's bug: `bool_output == 0` is written
/// `== true` and any other int `== false`; the CEL is evaluated as written.
const TABLE: &[(&str, bool, bool)] = &[
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) == 0",
        false,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) > 0",
        true,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) == 2",
        true,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) != 2",
        false,
        true,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) < 2",
        false,
        true,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) <= 2",
        true,
        true,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) > 2",
        false,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) >= 2",
        true,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) == -3",
        false,
        true,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) > -3",
        true,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) == 0.0",
        false,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) > 0.0",
        true,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) == 2.5",
        false,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) > 2.5",
        false,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) == 1e-07",
        false,
        false,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) > 1e-07",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == double(0)",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > double(0)",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == double(2)",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > double(2)",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == double(-3)",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > double(-3)",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == 0.0",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > 0.0",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == 2.5",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > 2.5",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == 1e-07",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] > 1e-07",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '0'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '0'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '2'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '2'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '-3'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '-3'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '0.0'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '0.0'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '2.5'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '2.5'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == '1e-07'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > '1e-07'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == 'x'",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > 'x'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == 'true'",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > 'true'",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == 'false'",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] > 'false'",
        true,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--b-Output'] == true",
        true,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--b-Output'] > true",
        false,
        false,
    ),
    (
        "inputs.parameter_values['pipelinechannel--b-Output'] == false",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--b-Output'] > false",
        true,
        false,
    ),
    (
        "int(inputs.parameter_values['pipelinechannel--i-Output']) == int(inputs.parameter_values['pipelinechannel--pi'])",
        false,
        true,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) == inputs.parameter_values['pipelinechannel--f-Output']",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--f-Output'] == inputs.parameter_values['pipelinechannel--pf']",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--s-Output'] == inputs.parameter_values['pipelinechannel--ps']",
        false,
        true,
    ),
    (
        "inputs.parameter_values['pipelinechannel--b-Output'] == inputs.parameter_values['pipelinechannel--pb']",
        true,
        true,
    ),
    (
        "double(int(inputs.parameter_values['pipelinechannel--pi'])) == inputs.parameter_values['pipelinechannel--pf']",
        true,
        true,
    ),
];

#[test]
fn every_condition_the_compiler_writes() {
    let (a, b) = (set_a(), set_b());
    for (text, want_a, want_b) in TABLE {
        assert_eq!(condition(text, &a), Ok(*want_a), "{text} over set a");
        assert_eq!(condition(text, &b), Ok(*want_b), "{text} over set b");
    }
}

#[test]
fn integer_inputs_given_as_json_integers_work_too() {
    // Capstan may hold NUMBER_INTEGER values as JSON integers; they still become doubles.
    let p = params(json!({"i-Output": 2, "f-Output": 2}));
    let yes = [
        "int(inputs.parameter_values['pipelinechannel--i-Output']) == 2",
        "double(int(inputs.parameter_values['pipelinechannel--i-Output'])) < 2.5",
        "inputs.parameter_values['pipelinechannel--f-Output'] == double(2)",
        "inputs.parameter_values['pipelinechannel--f-Output'] == 2.0",
    ];
    for text in yes {
        assert_eq!(condition(text, &p), Ok(true), "{text}");
    }
}

const I: &str = "int(inputs.parameter_values['pipelinechannel--i-Output'])";
const S: &str = "inputs.parameter_values['pipelinechannel--s-Output']";

#[test]
fn if_elif_else_branches_are_exclusive() {
    // `If(i > 5) / Elif(i > 1) / Elif(s == 'z') / Else`, as the compiler writes it.
    let branches = [
        format!("{I} > 5"),
        format!("!({I} > 5) && {I} > 1"),
        format!("!({I} > 5) && !({I} > 1) && {S} == 'z'"),
        format!("!({I} > 5) && !({I} > 1) && !({S} == 'z')"),
    ];
    for (i, s, taken) in [
        (6.0, "z", 0),
        (3.0, "z", 1),
        (1.0, "z", 2),
        (0.0, "a", 3),
        (-7.0, "", 3),
    ] {
        let p = params(json!({"i-Output": i, "s-Output": s}));
        let got: Vec<bool> = branches.iter().map(|b| condition(b, &p).unwrap()).collect();
        let want: Vec<bool> = (0..4).map(|n| n == taken).collect();
        assert_eq!(got, want, "i={i} s={s}");
    }
}

#[test]
fn kfp_driver_tests_agree() {
    // kubeflow/pipelines backend/src/v2/expression/expression_test.go, TestCondition.
    let p: Map<String, Value> = serde_json::from_value(json!({"type": "foo", "num": 1.0})).unwrap();
    assert_eq!(
        condition("inputs.parameter_values['type']=='foo'", &p),
        Ok(true)
    );
    assert_eq!(
        condition("inputs.parameter_values['type']=='foo2'", &p),
        Ok(false)
    );
    assert_eq!(
        condition("inputs.parameter_values['num'] == 1", &p),
        Ok(true)
    );
    let both = "inputs.parameter_values['type']=='foo' && inputs.parameter_values['num'] == 1.0";
    assert_eq!(condition(both, &p), Ok(true));
    let empty = Map::new();
    let missing = condition("inputs.parameter_values['type']=='foo'", &empty);
    assert_eq!(missing, Err(CelError::Eval("no such key: 'type'".into())));
}

#[test]
fn selectors_read_fields_of_loop_items() {
    let text = r#"parseJson(string_value)["a"]"#;
    // Items of `raw: '[{"a": 1, "b": 2}, {"a": 3, "b": 4}]'`, one at a time.
    let items: Value = serde_json::from_str(r#"[{"a": 1, "b": 2}, {"a": 3, "b": 4}]"#).unwrap();
    let got: Vec<Value> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|item| select(text, item).unwrap())
        .collect();
    assert_eq!(got, vec![json!(1.0), json!(3.0)]);
    // A string item's text is itself: KFP's test `parseJson(string_value)[0]` on "[1.1,1.2,1.3]".
    assert_eq!(
        select("parseJson(string_value)[0]", &json!("[1.1,1.2,1.3]")),
        Ok(json!(1.1))
    );
    assert_eq!(
        select("string_value", &json!("Hello,World!")),
        Ok(json!("Hello,World!"))
    );
    assert_eq!(select("string_value", &Value::Null), Ok(json!("")));
    assert_eq!(
        select("string_value", &json!(1e20)),
        Ok(json!("100000000000000000000"))
    );
    assert_eq!(select("struct_value.a", &json!({"a": "A"})), Ok(json!("A")));
    assert_eq!(
        select("parseJson(string_value)['b']", &json!({"a": {"b": [true]}})).map(|_| ()),
        Err(CelError::Eval("no such key: 'b'".into()))
    );
    let bad = select("parseJson(string_value)", &json!("invalidjson")).unwrap_err();
    assert!(
        bad.to_string().contains("failed to unmarshal JSON"),
        "{bad}"
    );
    let nested = json!({"a": {"b": [10, {"c": "deep"}]}});
    assert_eq!(
        select(r#"parseJson(string_value).a.b[1]["c"]"#, &nested),
        Ok(json!("deep"))
    );
    assert_eq!(
        select("size(parseJson(string_value).a.b)", &nested),
        Ok(json!(2))
    );
}

fn parse_error(text: &str) -> (usize, String) {
    match parse(text) {
        Err(CelError::Parse { offset, message }) => (offset, message),
        other => panic!("{text}: expected a parse error, got {other:?}"),
    }
}

#[test]
fn what_the_compiler_writes_that_is_not_cel_is_refused_at_parse() {
    // A channel compared with a string: the compiler quotes the channel's own expression.
    let quoted = [
        "'int(inputs.parameter_values['pipelinechannel--i-Output'])' == 'x'",
        "'int(inputs.parameter_values['pipelinechannel--i-Output'])' > 'x'",
        "'inputs.parameter_values['pipelinechannel--f-Output']' == 'x'",
        "'inputs.parameter_values['pipelinechannel--f-Output']' > 'x'",
        "'inputs.parameter_values['pipelinechannel--b-Output']' == 'x'",
        "'inputs.parameter_values['pipelinechannel--b-Output']' > 'x'",
        "'int(inputs.parameter_values['pipelinechannel--i-Output'])' == inputs.parameter_values['pipelinechannel--s-Output']",
    ];
    for text in quoted {
        let (offset, message) = parse_error(text);
        // The string ends at the first quote inside it; `pipelinechannel` follows it.
        assert_eq!(offset, text.find("pipelinechannel").unwrap(), "{text}");
        assert_eq!(
            message,
            "expected an operator or the end of the expression, found 'pipelinechannel'"
        );
    }
    // A quote inside a string literal is written unescaped: `== 'it's'`.
    let text = format!("{S} == 'it's'");
    assert_eq!(
        parse_error(&text),
        (text.len() - 1, "unterminated string literal".into())
    );
    // A Python float that is not a CEL literal parses but names nothing.
    let inf = format!("{S} > inf");
    assert_eq!(
        condition(&inf, &set_a()),
        Err(CelError::Eval("undeclared reference to 'inf'".into()))
    );
}

#[test]
fn parse_errors_say_where_and_what() {
    let cases: &[(&str, usize, &str)] = &[
        ("(1 == 1", 7, "expected ')', found the end"),
        ("int(1", 5, "expected ',' or ')', found the end"),
        ("1 == ", 5, "expected an expression, found the end"),
        ("a[0", 3, "expected ']', found the end"),
        ("a.", 2, "expected a field name, found the end"),
        (
            "a.0",
            1,
            "expected an operator or the end of the expression, found a number",
        ),
        ("1 + 2", 2, "the '+' operator is not supported"),
        ("a ? b : c", 2, "the '?' operator is not supported"),
        ("[1, 2]", 0, "list and map literals are not supported"),
        ("{'a': 1}", 0, "list and map literals are not supported"),
        ("foo(1)", 0, "unknown function 'foo'"),
        ("int(1, 2)", 0, "int() takes one argument, got 2"),
        ("size()", 0, "size() takes one argument, got 0"),
        ("s.size()", 6, "method calls ('.size(…)') are not supported"),
        ("'abc", 0, "unterminated string literal"),
        ("'a\nb'", 2, "newline in a string literal"),
        (r"'\q'", 1, r"invalid escape '\q'"),
        (r"'\u12'", 1, r"invalid escape '\u'"),
        (r"'\ud800'", 1, r"invalid code point in '\ud800'"),
        ("'''x'''", 0, "triple-quoted strings are not supported"),
        ("1u", 0, "unsigned integer literals are not supported"),
        (
            "9223372036854775808",
            0,
            "integer literal out of range: 9223372036854775808",
        ),
        (
            "-9223372036854775809",
            0,
            "integer literal out of range: -9223372036854775809",
        ),
        ("1e999", 0, "double literal out of range: 1e999"),
        ("a # b", 2, "unexpected character '#'"),
        ("a = b", 2, "unexpected character '='"),
        ("a & b", 2, "unexpected character '&'"),
        // Offsets count characters, not bytes.
        ("'é' == é", 7, "unexpected character 'é'"),
        ("", 0, "expected an expression, found the end"),
        ("!-1", 1, "expected an expression, found '-'"),
    ];
    for (text, offset, message) in cases {
        assert_eq!(
            parse_error(text),
            (*offset, message.to_string()),
            "{text:?}"
        );
    }
    let shown = parse("(1 == 1").unwrap_err().to_string();
    assert_eq!(shown, "at 7: expected ')', found the end");
}

#[test]
fn size_limits_keep_recursion_bounded() {
    // The Else after 200 Elifs, as the compiler would write it, parses and evaluates on a
    // 2 MiB stack (a tokio worker's) in a debug build.
    let text = (0..200)
        .map(|n| format!("!(int(inputs.parameter_values['pipelinechannel--i-Output']) > {n})"))
        .collect::<Vec<_>>()
        .join(" && ");
    let p = params(json!({"i-Output": -1.0}));
    let on_small_stack = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let expr = parse(&text).unwrap();
            let shown = expr.to_string();
            (condition(&text, &p), parse(&shown) == Ok(expr))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(on_small_stack, (Ok(true), true));

    let nested = format!("{}a{}", "(".repeat(70), ")".repeat(70));
    assert_eq!(
        parse_error(&nested),
        (
            64,
            "the expression is nested too deeply (over 64 levels)".into()
        )
    );
    let negations = format!("{}a", "!".repeat(300));
    assert_eq!(
        parse_error(&negations),
        (0, "the expression is too deep (over 256 levels)".into())
    );
    let long = vec!["a"; 3000].join(" || ");
    assert_eq!(
        parse_error(&long),
        (
            5 * 2048,
            "the expression is too long (over 4096 tokens)".into()
        )
    );
}

fn b(e: Expr) -> Box<Expr> {
    Box::new(e)
}

fn id(name: &str) -> Expr {
    Expr::Ident(name.into())
}

#[test]
fn precedence_is_cels() {
    use BinaryOp::*;
    // `!` binds tighter than `&&`, `&&` tighter than `||`, relations tighter than both.
    assert_eq!(
        parse("!a && b || c").unwrap(),
        Expr::Binary(
            Or,
            b(Expr::Binary(And, b(Expr::Not(b(id("a")))), b(id("b")))),
            b(id("c"))
        )
    );
    assert_eq!(
        parse("a || b && c").unwrap(),
        Expr::Binary(Or, b(id("a")), b(Expr::Binary(And, b(id("b")), b(id("c")))))
    );
    assert_eq!(
        parse("a == b && c < d").unwrap(),
        Expr::Binary(
            And,
            b(Expr::Binary(Eq, b(id("a")), b(id("b")))),
            b(Expr::Binary(Lt, b(id("c")), b(id("d"))))
        )
    );
    assert_eq!(
        parse("!(a) == b").unwrap(),
        Expr::Binary(Eq, b(Expr::Not(b(id("a")))), b(id("b")))
    );
    assert_eq!(
        parse("-x.y").unwrap(),
        Expr::Neg(b(Expr::Member(b(id("x")), "y".into())))
    );
    assert_eq!(parse("- -3").unwrap(), Expr::Neg(b(Expr::Int(-3))));
    assert_eq!(parse("-(3)").unwrap(), Expr::Neg(b(Expr::Int(3))));
    assert_eq!(parse("-9223372036854775808").unwrap(), Expr::Int(i64::MIN));
    assert_eq!(parse("-3.5").unwrap(), Expr::Double(-3.5));
    assert_eq!(parse(".5").unwrap(), Expr::Double(0.5));
    assert_eq!(parse("0x1F").unwrap(), Expr::Int(31));
    for (x, y, z) in [
        (false, false, false),
        (false, true, false),
        (true, true, false),
        (true, false, true),
    ] {
        let env = Env::new()
            .with("a", CelValue::Bool(x))
            .with("b", CelValue::Bool(y))
            .with("c", CelValue::Bool(z));
        let want = (!x && y) || z;
        assert_eq!(
            eval(&parse("!a && b || c").unwrap(), &env),
            Ok(CelValue::Bool(want))
        );
    }
}

fn run(text: &str) -> Result<CelValue, CelError> {
    let env = Env::new()
        .with("n", CelValue::Int(3))
        .with("m", CelValue::from_json(&json!({"a": 1, "l": [1, "two"]})));
    eval(&parse(text)?, &env)
}

fn yes(text: &str) {
    assert_eq!(run(text), Ok(CelValue::Bool(true)), "{text}");
}

fn fails(text: &str, message: &str) {
    assert_eq!(run(text), Err(CelError::Eval(message.into())), "{text}");
}

#[test]
fn literals_and_escapes() {
    assert_eq!(run("'it\\'s'"), Ok(CelValue::String("it's".into())));
    yes(r#"'it\'s' == "it's""#);
    yes(r#""\"q\"" == '"q"'"#);
    yes(r"'\\' == '\x5c' && '\x5C' == '\134'");
    yes(r"'\u00e9' == 'é' && '\U0001F600' == '😀'");
    yes(r"size('\n\t\r\a\b\f\v\?\`') == 9");
    yes("size('héllo') == 5");
    yes("null == null && true != false");
    yes("true // a comment\n && !false // another");
    yes("1e-07 == 0.0000001 && 1e+20 == 100000000000000000000.0 && 2.5E0 == 2.5");
}

#[test]
fn numbers_compare_across_int_and_double() {
    yes("1 < 2.5 && 2.5 > 1 && 2 == 2.0 && 2.0 == 2 && 3 != 2.5 && 2 <= 2.0 && -1 >= -1.5");
    yes("!(2 < 2.0) && !(2.0 > 2)");
    yes("double('NaN') != double('NaN') && !(double('NaN') < 1) && !(1.0 >= double('NaN'))");
    yes("'a' < 'b' && 'B' < 'a' && false < true && 'é' > 'z'");
    // Equality of other mixed types is false; ordering them is an error.
    yes("'1' != 1 && !('a' == 1) && null != 0 && true != 1");
    fails("'a' < 1", "no such overload: string < int");
    fails("m.a > 'x'", "no such overload: double > string");
    fails("null <= null", "no such overload: null_type <= null_type");
    fails("m.l < m.l", "no such overload: list < list");
    yes("m.l == parseJson('[1.0, \"two\"]') && m == parseJson('{\"l\": [1, \"two\"], \"a\": 1}')");
    yes("m != parseJson('{\"a\": 1}') && m.l != parseJson('[1]')");
}

#[test]
fn conversions() {
    assert_eq!(run("int(-2.7)"), Ok(CelValue::Int(-2)));
    assert_eq!(run("int(2.7)"), Ok(CelValue::Int(2)));
    assert_eq!(run("int('12')"), Ok(CelValue::Int(12)));
    assert_eq!(run("int('-12')"), Ok(CelValue::Int(-12)));
    assert_eq!(run("int(n)"), Ok(CelValue::Int(3)));
    assert_eq!(run("double(n)"), Ok(CelValue::Double(3.0)));
    assert_eq!(run("double('2.5')"), Ok(CelValue::Double(2.5)));
    assert_eq!(run("string(2.5)"), Ok(CelValue::String("2.5".into())));
    assert_eq!(run("string(1e20)"), Ok(CelValue::String("1e+20".into())));
    assert_eq!(run("string(double(n))"), Ok(CelValue::String("3".into())));
    assert_eq!(run("string(-n)"), Ok(CelValue::String("-3".into())));
    assert_eq!(run("string(true)"), Ok(CelValue::String("true".into())));
    assert_eq!(run("size(m)"), Ok(CelValue::Int(2)));
    assert_eq!(run("size(m.l)"), Ok(CelValue::Int(2)));
    fails("int(1e20)", "int(1e+20): range error");
    fails("int(double('NaN'))", "int(NaN): range error");
    fails("int('1.5')", "int('1.5'): not an integer");
    fails("double('x')", "double('x'): not a number");
    fails("int(true)", "no such overload: int(bool)");
    fails("string(null)", "no such overload: string(null_type)");
    fails("size(1)", "no such overload: size(int)");
    fails("parseJson(1)", "no such overload: parseJson(int)");
}

#[test]
fn errors_name_the_operation() {
    fails("m.b", "no such key: 'b'");
    fails("m['b']", "no such key: 'b'");
    fails("m[1]", "no such key: 1");
    fails("m.l[2]", "index out of range: 2 (list of 2)");
    fails("m.l[-1]", "index out of range: -1 (list of 2)");
    fails("m.l[0.5]", "no such overload: list[0.5]");
    fails("m.l['a']", "no such overload: list[string]");
    fails("n[0]", "no such overload: int[int]");
    fails("n.x", "type 'int' does not support field selection");
    fails("x", "undeclared reference to 'x'");
    fails("!n", "no such overload: !int");
    fails("-'a'", "no such overload: -string");
    fails(
        "-(-9223372036854775808)",
        "integer overflow: -(-9223372036854775808)",
    );
    assert_eq!(run("m.l[1.0]"), Ok(CelValue::String("two".into())));
    assert_eq!(run("m.l[0]"), Ok(CelValue::Double(1.0)));
}

#[test]
fn and_or_absorb_errors_like_cel() {
    yes("!(false && x)");
    yes("!(x && false)");
    yes("true || x");
    yes("x || true");
    yes("!(n && false)");
    fails("true && x", "undeclared reference to 'x'");
    fails("x && true", "undeclared reference to 'x'");
    fails("false || x", "undeclared reference to 'x'");
    fails("x && y", "undeclared reference to 'x'");
    fails("n || false", "no such overload: int || _");
    fails("true && n", "no such overload: int && _");
}

#[test]
fn a_condition_must_be_a_bool() {
    let p = set_a();
    let err = condition("inputs.parameter_values['pipelinechannel--f-Output']", &p);
    assert_eq!(
        err,
        Err(CelError::Eval(
            "a condition must be a bool, got double 2.5".into()
        ))
    );
}

#[test]
fn display_writes_cel_that_parses_back() {
    for text in [
        "!a && b || c",
        "a || b && c",
        "(a || b) && c",
        "!(a == b)",
        "-(3)",
        "- -3",
        "-(-x)",
        "(-3).y",
        "a < b < c",
        "a < (b < c)",
        "int(inputs.parameter_values['k']) > -3",
        r#"parseJson(string_value)["a"]"#,
        r"'it\'s \n é'",
        "1e-07 == 1e+20",
    ] {
        let expr = parse(text).unwrap();
        let shown = expr.to_string();
        assert_eq!(parse(&shown).as_ref(), Ok(&expr), "{text} shown as {shown}");
    }
    assert_eq!(
        parse("(a || b) && !(c)").unwrap().to_string(),
        "(a || b) && !c"
    );
    assert_eq!(parse("-(3)").unwrap().to_string(), "-(3)");
    assert_eq!(parse("'a\"b'").unwrap().to_string(), r#""a\"b""#);
}

fn arb_ident() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}".prop_filter("not a keyword", |s| {
        !matches!(s.as_str(), "true" | "false" | "null")
    })
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        Just(Expr::Null),
        any::<bool>().prop_map(Expr::Bool),
        any::<i64>().prop_map(Expr::Int),
        any::<f64>()
            .prop_filter("finite", |d| d.is_finite())
            .prop_map(Expr::Double),
        any::<String>().prop_map(Expr::String),
        arb_ident().prop_map(Expr::Ident),
    ];
    leaf.prop_recursive(5, 48, 2, |inner| {
        let ops = prop::sample::select(vec![
            BinaryOp::Or,
            BinaryOp::And,
            BinaryOp::Eq,
            BinaryOp::Ne,
            BinaryOp::Lt,
            BinaryOp::Le,
            BinaryOp::Gt,
            BinaryOp::Ge,
        ]);
        prop_oneof![
            (inner.clone(), arb_ident()).prop_map(|(e, n)| Expr::Member(b(e), n)),
            (inner.clone(), inner.clone()).prop_map(|(e, i)| Expr::Index(b(e), b(i))),
            (prop::sample::select(Function::ALL.to_vec()), inner.clone())
                .prop_map(|(f, e)| Expr::Call(f, b(e))),
            inner.clone().prop_map(|e| Expr::Not(b(e))),
            inner.clone().prop_map(|e| Expr::Neg(b(e))),
            (ops, inner.clone(), inner).prop_map(|(op, l, r)| Expr::Binary(op, b(l), b(r))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_of_display_is_the_same_tree(expr in arb_expr()) {
        let shown = expr.to_string();
        prop_assert_eq!(parse(&shown), Ok(expr), "shown as {}", shown);
    }
}
