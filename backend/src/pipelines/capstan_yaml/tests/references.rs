//! Refused, each with its path in the document: duplicate names, unknown references and
//! cycles, conditions, forEach; and nothing panics.

use super::{doc, problems, with_a};
use crate::pipelines::capstan_yaml::{load_capstan_yaml, read_capstan_yaml};

#[test]
fn task_names_references_and_cycles() {
    let duplicate = with_a("", "- {name: b, command: [x]}\n- {name: a, command: [y]}\n");
    let found = read_capstan_yaml(&doc(&duplicate)).unwrap_err();
    assert_eq!(
        found.to_string(),
        "tasks[2].name: duplicate task name 'a' (also tasks[0])"
    );

    let cycle = "tasks:\n- {name: a, command: [x], dependsOn: [b]}\n\
                 - {name: b, command: [x], inputs: {parameters: {v: '{{tasks.a.outputs.parameters.v}}'}}}\n\
                 - {name: c, command: [x], dependsOn: [c]}\n";
    assert_eq!(
        problems(&doc(cycle)),
        [
            "tasks[1].inputs.parameters.v: task 'a' has no output parameter 'v' (comp-a declares: nothing)",
            "tasks: cycle a -> b -> a",
            "tasks: cycle c -> c",
        ]
    );

    let unknown = with_a(
        ", outputs: {parameters: {k: integer}, artifacts: [m]}",
        "- {name: b, command: [x], dependsOn: [nope], inputs: {parameters: {\
         p: '{{params.nope}}', q: '{{tasks.ghost.outputs.parameters.k}}', \
         r: '{{tasks.a.outputs.parameters.m}}'}, artifacts: {s: '{{tasks.a.outputs.artifacts.k}}'}}}\n",
    );
    assert_eq!(
        problems(&doc(&unknown)),
        [
            "tasks[1].dependsOn: unknown task 'nope' (tasks in this DAG: a, b)",
            "tasks[1].inputs.parameters.p: unknown pipeline input 'nope' (the pipeline declares: lr, n, xs)",
            "tasks[1].inputs.parameters.q: unknown producer task 'ghost' (tasks in this DAG: a, b)",
            "tasks[1].inputs.parameters.r: task 'a' has no output parameter 'm' (comp-a declares: k)",
            "tasks[1].inputs.artifacts.s: task 'a' has no output artifact 'k' (comp-a declares: m)",
        ]
    );
}

#[test]
fn conditions() {
    let cases = [
        (
            "when: 'inputs.parameters.k >'",
            "tasks[0].when: not valid CEL: at 21: expected an expression, found the end (in `inputs.parameters.k >`)",
        ),
        (
            "when: 'inputs.parameters.k + 1 > 2'",
            "tasks[0].when: not valid CEL: at 20: the '+' operator is not supported (in `inputs.parameters.k + 1 > 2`)",
        ),
        (
            "when: 'k > 1'",
            "tasks[0].when: a condition reads only the task's input parameters, as inputs.parameters.NAME (found 'k' used otherwise)",
        ),
        (
            "when: \"inputs.parameter_values['k'] > 1\"",
            "tasks[0].when: a condition reads only the task's input parameters, as inputs.parameters.NAME (found 'inputs' used otherwise)",
        ),
        (
            "when: 'inputs.parameters[0] > 1'",
            "tasks[0].when: inputs.parameters[…] takes a quoted name",
        ),
        (
            "when: 'inputs.parameters.nope > 1'",
            "tasks[0].when: the condition reads 'nope', which is not an input parameter of this task (its input parameters: k)",
        ),
        (
            "when: ' '",
            "tasks[0].when: empty: write a condition, such as inputs.parameters.n > 0",
        ),
        (
            "when: 'inputs.parameters.i > 1', forEach: {items: [1]}",
            "tasks[0].when: the condition of a forEach task is evaluated once, before its iterations: it cannot read 'i', which takes the item",
        ),
        (
            "when: 'inputs.parameters.nope', forEach: {items: [1]}",
            "tasks[0].when: the condition reads 'nope', which is not an input parameter of this task (its input parameters: i, k)",
        ),
    ];
    for (fields, expected) in cases {
        let inputs = if fields.contains("forEach") {
            "{parameters: {k: 1, i: '{{item}}'}}"
        } else {
            "{parameters: {k: 1}}"
        };
        let tasks = format!("tasks:\n- {{name: a, command: [x], inputs: {inputs}, {fields}}}\n");
        let found = read_capstan_yaml(&doc(&tasks)).unwrap_err();
        assert_eq!(found.to_string(), expected, "{fields}");
    }
}

#[test]
fn for_each() {
    let cases = [
        (
            "forEach: [1, 2]",
            "tasks[1].forEach: expected a mapping, found a list",
        ),
        (
            "forEach: {over: [1]}",
            "tasks[1].forEach.over: unknown field (expected items, parallelism)",
        ),
        (
            "forEach: {parallelism: 2}",
            "tasks[1].forEach.items: missing",
        ),
        (
            "forEach: {items: 3}",
            "tasks[1].forEach.items: expected a list, or a placeholder of a list parameter ({{params.NAME}} or {{tasks.TASK.outputs.parameters.NAME}})",
        ),
        (
            "forEach: {items: '{{tasks.a.outputs.artifacts.m}}'}",
            "tasks[1].forEach.items: forEach iterates over a list parameter, not over artifacts",
        ),
        (
            "forEach: {items: '{{item}}'}",
            "tasks[1].forEach.items: {{item}} is the item of this forEach, not its items",
        ),
        (
            "forEach: {items: [1, '{{params.lr}}']}",
            "tasks[1].forEach.items[1]: \"{{params.lr}}\": placeholders are not substituted inside a list or a mapping; give the value as an input of its own",
        ),
        (
            "forEach: {items: '{{params.lr}}'}",
            "tasks[1].forEach.items: forEach iterates over a list, and this is NUMBER_DOUBLE",
        ),
        (
            "forEach: {items: '{{tasks.a.outputs.parameters.k}}'}",
            "tasks[1].forEach.items: forEach iterates over a list, and this is NUMBER_INTEGER",
        ),
        (
            "forEach: {items: [1], parallelism: 0}",
            "tasks[1].forEach.parallelism: at least 1 (leave it out for no limit)",
        ),
        (
            "forEach: {items: [1, 2]}, inputs: {parameters: {v: '{{item.a}}'}}",
            "tasks[1].inputs.parameters.v: {{item.a}} reads a field, and item 0 of forEach.items is not a mapping",
        ),
        (
            "forEach: {items: [{a: 1}, {b: 2}]}, inputs: {parameters: {v: '{{item.a}}'}}",
            "tasks[1].inputs.parameters.v: item 1 of forEach.items has no field 'a'",
        ),
        (
            "forEach: {items: [1]}, inputs: {artifacts: {v: '{{item}}'}}",
            "tasks[1].inputs.artifacts.v: the item of a forEach is a parameter, not an artifact",
        ),
    ];
    for (fields, expected) in cases {
        let a = ", outputs: {parameters: {k: integer}, artifacts: [m]}";
        let tasks = with_a(a, &format!("- {{name: b, command: [x], {fields}}}\n"));
        let found = read_capstan_yaml(&doc(&tasks)).unwrap_err();
        assert_eq!(found.to_string(), expected, "{fields}");
    }
    // references in a forEach are checked where they are written
    let tasks = "tasks:\n- {name: b, command: [x], forEach: {items: '{{params.ys}}'}, \
                 inputs: {parameters: {v: '{{tasks.c.outputs.parameters.k}}'}}}\n";
    assert_eq!(
        problems(&doc(tasks)),
        [
            "tasks[0].inputs.parameters.v: unknown producer task 'c' (tasks in this DAG: b)",
            "tasks[0].forEach.items: unknown pipeline input 'ys' (the pipeline declares: lr, n, xs)",
        ]
    );
}

#[test]
fn garbage_never_panics() {
    let fields = [
        "name",
        "command",
        "args",
        "env",
        "resources",
        "inputs",
        "outputs",
        "dependsOn",
        "retries",
        "timeout",
        "cache",
        "when",
        "forEach",
    ];
    let values = [
        "3",
        "x",
        "[]",
        "{}",
        "[1, {a: '{{item}}'}]",
        "'{{', ",
        "null",
        "{items: x}",
    ];
    for field in fields {
        for value in values {
            let text = doc(&format!(
                "tasks:\n- {{name: a, command: [x], {field}: {value}}}\n"
            ));
            let _ = load_capstan_yaml(&text);
        }
    }
}
