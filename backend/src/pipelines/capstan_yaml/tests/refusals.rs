//! Refused, each with its path in the document: the document, its header and parameters, a
//! task's fields, inputs and placeholders. Reading stops at the first problem; validation
//! reports them all.

use super::{doc, problems, with_a};
use crate::pipelines::capstan_yaml::read_capstan_yaml;

#[test]
fn the_document_and_its_header() {
    let header = "apiVersion: capstan.dev/v1\nkind: Pipeline\n";
    let cases = [
        ("", "(document): empty: there is no pipeline in it"),
        ("[1, 2]", "(document): expected a mapping, found a list"),
        (": : :", "(document): not valid YAML"),
        (
            "a: 1\n---\nb: 2\n",
            "(document): more than one YAML document (a pipeline is one)",
        ),
        ("kind: Pipeline\n", "apiVersion: missing"),
        (
            "apiVersion: capstan.dev/v1\nkind: Workflow\n",
            "kind: \"Workflow\": expected Pipeline",
        ),
        (
            "apiVersion: 1\n",
            "apiVersion: expected a string, found a number",
        ),
    ];
    for (text, expected) in cases {
        let found = read_capstan_yaml(text).unwrap_err().to_string();
        assert!(found.starts_with(expected), "{text:?}: {found}");
    }
    let cases = [
        (
            "name: p\ntasks: []\nlabels: {}\n",
            "labels: unknown field (expected apiVersion, kind, name, description, parameters, tasks)",
        ),
        ("tasks: []\n", "name: missing"),
        (
            "name: Train_Eval\ntasks: []\n",
            "name: `Train_Eval` has `T` at position 1: use lower-case letters, digits and `-` (a pipeline's name is a DNS-1123 label)",
        ),
        ("name: p\n", "tasks: missing"),
        (
            "name: p\ntasks: {a: 1}\n",
            "tasks: expected a list, found a mapping",
        ),
        (
            "name: p\ntasks: [3]\n",
            "tasks[0]: expected a mapping, found a number",
        ),
        (
            "name: p\nparameters: [lr]\ntasks: []\n",
            "parameters: expected a mapping, found a list",
        ),
        (
            "name: p\nparameters: {lr: double}\ntasks: []\n",
            "parameters.lr: expected a mapping, found a string",
        ),
        (
            "name: p\nparameters: {lr: {type: float}}\ntasks: []\n",
            "parameters.lr.type: unknown type \"float\" (expected string, integer, double, boolean, list or struct)",
        ),
        (
            "name: p\nparameters: {lr: {default: 1}}\ntasks: []\n",
            "parameters.lr.type: missing",
        ),
        (
            "name: p\nparameters: {lr: {type: double, default: fast}}\ntasks: []\n",
            "parameters.lr.default: expected a number for a NUMBER_DOUBLE parameter, found a string",
        ),
        (
            "name: p\nparameters: {n: {type: integer, default: 1.5}}\ntasks: []\n",
            "parameters.n.default: 1.5 is not a whole number",
        ),
        (
            "name: p\nparameters: {lr: {type: double, help: x}}\ntasks: []\n",
            "parameters.lr.help: unknown field (expected type, default, description)",
        ),
        (
            "name: p\nparameters: {learning-rate: {type: double}}\ntasks: []\n",
            "parameters.learning-rate: \"learning-rate\" is not a valid name: use letters, digits and '_', not starting with a digit",
        ),
    ];
    for (text, expected) in cases {
        let found = read_capstan_yaml(&format!("{header}{text}"))
            .unwrap_err()
            .to_string();
        assert_eq!(found, expected, "{text:?}");
    }
    // an empty pipeline reads, and validation refuses it
    let empty = format!("{header}name: p\ntasks: []\n");
    assert_eq!(problems(&empty), ["tasks: the pipeline has no tasks"]);
}

#[test]
fn fields_of_a_task() {
    let cases = [
        (
            "- {name: a, command: [x], retry: 3}",
            "tasks[0].retry: unknown field (expected name, image, command, args, env, resources, inputs, outputs, dependsOn, retries, timeout, cache, when, forEach)",
        ),
        ("- {command: [x]}", "tasks[0].name: missing"),
        (
            "- {name: Prep, command: [x]}",
            "tasks[0].name: `Prep` has `P` at position 1: use lower-case letters, digits and `-` (a task's name is a DNS-1123 label)",
        ),
        ("- {name: a}", "tasks[0].command: missing"),
        (
            "- {name: a, command: []}",
            "tasks[0].command: empty: a task runs a command",
        ),
        (
            "- {name: a, command: [x, 3]}",
            "tasks[0].command[1]: expected a string, found a number",
        ),
        (
            "- {name: a, command: x}",
            "tasks[0].command: expected a list, found a string",
        ),
        (
            "- {name: a, command: [x], image: [i]}",
            "tasks[0].image: expected a string, found a list",
        ),
        (
            "- {name: a, command: [x], env: {A: 1}}",
            "tasks[0].env.A: expected a string, found a number",
        ),
        (
            "- {name: a, command: [x], env: {A: '{{params.lr}}'}}",
            "tasks[0].env.A: placeholders are substituted only in command and args; pass the value there",
        ),
        (
            "- {name: a, command: [x], env: [A]}",
            "tasks[0].env: expected a mapping, found a list",
        ),
        (
            "- {name: a, command: [x], resources: {disk: 1Gi}}",
            "tasks[0].resources.disk: unknown field (expected cpu, memory, gpu, gpuModel)",
        ),
        (
            "- {name: a, command: [x], resources: {memory: 1Gb}}",
            "tasks[0].resources.memory: \"1Gb\" is not a Kubernetes quantity",
        ),
        (
            "- {name: a, command: [x], resources: {cpu: -1}}",
            "tasks[0].resources.cpu: \"-1\" is negative",
        ),
        (
            "- {name: a, command: [x], resources: {cpu: [1]}}",
            "tasks[0].resources.cpu: expected a quantity, found a list",
        ),
        (
            "- {name: a, command: [x], resources: {gpu: 0.5}}",
            "tasks[0].resources.gpu: expected a whole number from 0 to 4294967295, found 0.5",
        ),
        (
            "- {name: a, command: [x], resources: {gpuModel: nvidia.com/gpu}}",
            "tasks[0].resources.gpuModel: a GPU model without GPUs: say how many with gpu",
        ),
        (
            "- {name: a, command: [x], timeout: 10}",
            "tasks[0].timeout: 10 is not a duration: expected a number and a unit (ms, s, m or h), such as 5s, 1.5s, 2m or 1h",
        ),
        (
            "- {name: a, command: [x], timeout: 0s}",
            "tasks[0].timeout: a timeout must be longer than 0s",
        ),
        (
            "- {name: a, command: [x], retries: 3}",
            "tasks[0].retries: expected a mapping, found a number",
        ),
        (
            "- {name: a, command: [x], retries: {backoff: 5s}}",
            "tasks[0].retries.limit: missing",
        ),
        (
            "- {name: a, command: [x], retries: {limit: 3, backoff: 5 min}}",
            "tasks[0].retries.backoff: \"5 min\" is not a duration: expected a number and a unit (ms, s, m or h), such as 5s, 1.5s, 2m or 1h",
        ),
        (
            "- {name: a, command: [x], retries: {limit: 3, factor: 0}}",
            "tasks[0].retries.factor: 0 is not a positive number",
        ),
        (
            "- {name: a, command: [x], retries: {limit: 3, jitter: 1}}",
            "tasks[0].retries.jitter: unknown field (expected limit, backoff, factor, maxBackoff)",
        ),
        (
            "- {name: a, command: [x], cache: yes}",
            "tasks[0].cache: expected true or false, found a string",
        ),
        (
            "- {name: a, command: [x], dependsOn: b}",
            "tasks[0].dependsOn: expected a list, found a string",
        ),
        (
            "- {name: a, command: [x], outputs: {parameters: {n: int}}}",
            "tasks[0].outputs.parameters.n: unknown type \"int\" (expected string, integer, double, boolean, list or struct)",
        ),
        (
            "- {name: a, command: [x], outputs: {artifacts: [m, m]}}",
            "tasks[0].outputs.artifacts[1]: 'm' is listed twice",
        ),
        (
            "- {name: a, command: [x], outputs: {parameters: {m: string}, artifacts: [m]}}",
            "tasks[0].outputs.artifacts[0]: 'm' is an output parameter too",
        ),
        (
            "- {name: a, command: [x], outputs: {metrics: [m]}}",
            "tasks[0].outputs.metrics: unknown field (expected parameters, artifacts)",
        ),
        (
            "- {name: a, command: [x], inputs: {params: {}}}",
            "tasks[0].inputs.params: unknown field (expected parameters, artifacts)",
        ),
    ];
    for (task, expected) in cases {
        let found = read_capstan_yaml(&doc(&format!("tasks:\n{task}\n"))).unwrap_err();
        assert_eq!(found.to_string(), expected, "{task}");
    }
}

#[test]
fn inputs_and_their_references() {
    let cases = [
        (
            "{parameters: {x: '{{item}}'}}",
            "tasks[1].inputs.parameters.x: {{item}} is the item of a forEach, and this task has no forEach",
        ),
        (
            "{parameters: {x: '{{item.a}}'}}",
            "tasks[1].inputs.parameters.x: {{item}} is the item of a forEach, and this task has no forEach",
        ),
        (
            "{parameters: {x: 'lr={{params.lr}}'}}",
            "tasks[1].inputs.parameters.x: \"lr={{params.lr}}\" mixes text and placeholders: a value is either exactly one placeholder or a constant with none (build text in the task's command or args instead)",
        ),
        (
            "{parameters: {x: '{{params.lr}}{{params.n}}'}}",
            "tasks[1].inputs.parameters.x: \"{{params.lr}}{{params.n}}\" mixes text and placeholders: a value is either exactly one placeholder or a constant with none (build text in the task's command or args instead)",
        ),
        (
            "{parameters: {x: [1, '{{params.lr}}']}}",
            "tasks[1].inputs.parameters.x[1]: \"{{params.lr}}\": placeholders are not substituted inside a list or a mapping; give the value as an input of its own",
        ),
        (
            "{parameters: {x: {k: '{{params.lr}}'}}}",
            "tasks[1].inputs.parameters.x.k: \"{{params.lr}}\": placeholders are not substituted inside a list or a mapping; give the value as an input of its own",
        ),
        (
            "{parameters: {x: null}}",
            "tasks[1].inputs.parameters.x: a value is needed (null is not a parameter value)",
        ),
        (
            "{parameters: {x: '{{inputs.parameters.y}}'}}",
            "tasks[1].inputs.parameters.x: {{inputs.parameters.y}} is a placeholder of command and args; an input refers to {{params.NAME}}, {{tasks.TASK.outputs.parameters.NAME}}, {{tasks.TASK.outputs.artifacts.NAME}}, or under forEach {{item}} and {{item.FIELD}}",
        ),
        (
            "{parameters: {x: '{{pipeline.name}}'}}",
            "tasks[1].inputs.parameters.x: unknown placeholder {{pipeline.name}} (an input refers to {{params.NAME}}, {{tasks.TASK.outputs.parameters.NAME}}, {{tasks.TASK.outputs.artifacts.NAME}}, or under forEach {{item}} and {{item.FIELD}})",
        ),
        (
            "{parameters: {x: '{{params.learning-rate}}'}}",
            "tasks[1].inputs.parameters.x: {{params.learning-rate}}: \"learning-rate\" is not a name",
        ),
        (
            "{parameters: {x: '{{tasks.a.outputs.artifacts.m}}'}}",
            "tasks[1].inputs.parameters.x: an artifact given to a parameter: put it under artifacts",
        ),
        (
            "{artifacts: {x: '{{tasks.a.outputs.parameters.m}}'}}",
            "tasks[1].inputs.artifacts.x: an artifact input takes another task's output artifact: {{tasks.TASK.outputs.artifacts.NAME}}",
        ),
        (
            "{artifacts: {x: /data/file}}",
            "tasks[1].inputs.artifacts.x: an artifact input takes another task's output artifact: {{tasks.TASK.outputs.artifacts.NAME}}",
        ),
        (
            "{parameters: {x: 1}, artifacts: {x: '{{tasks.a.outputs.artifacts.m}}'}}",
            "tasks[1].inputs.artifacts.x: 'x' is an input parameter too",
        ),
        (
            "{parameters: {x-y: 1}}",
            "tasks[1].inputs.parameters.x-y: \"x-y\" is not a valid name: use letters, digits and '_', not starting with a digit",
        ),
    ];
    for (inputs, expected) in cases {
        let tasks = with_a(
            "",
            &format!("- {{name: b, command: [x], inputs: {inputs}}}\n"),
        );
        let found = read_capstan_yaml(&doc(&tasks)).unwrap_err();
        assert_eq!(found.to_string(), expected, "{inputs}");
    }
}

#[test]
fn placeholders_of_command_and_args() {
    let cases = [
        (
            "command: [x, '{{params.lr}}']",
            "tasks[0].command[1]: unknown placeholder {{params.lr}} (command and args take {{inputs.parameters.NAME}}, {{inputs.artifacts.NAME}}, {{outputs.parameters.NAME}} and {{outputs.artifacts.NAME}}; give run parameters and other tasks' outputs to the task under inputs)",
        ),
        (
            "command: [x], args: [a, '{{$}}']",
            "tasks[0].args[1]: unknown placeholder {{$}} (command and args take {{inputs.parameters.NAME}}, {{inputs.artifacts.NAME}}, {{outputs.parameters.NAME}} and {{outputs.artifacts.NAME}}; give run parameters and other tasks' outputs to the task under inputs)",
        ),
        (
            "command: [x], args: ['--a={{inputs.parameters.a']",
            "tasks[0].args[0]: \"--a={{inputs.parameters.a\" has a '{{' without its '}}'",
        ),
    ];
    for (fields, expected) in cases {
        let found = read_capstan_yaml(&doc(&format!("tasks:\n- {{name: a, {fields}}}\n")));
        assert_eq!(found.unwrap_err().to_string(), expected, "{fields}");
    }
    // names that the task does not declare: validation, at the argument
    let tasks = "tasks:\n- {name: a, command: [x, '{{inputs.parameters.rows}}'], \
                 args: ['{{outputs.artifacts.out}}', '{{outputs.parameters.n}}', \
                 '{{inputs.artifacts.data}}'], inputs: {parameters: {k: 1}}}\n";
    assert_eq!(
        problems(&doc(tasks)),
        [
            "tasks[0].command[1]: the placeholder names input parameter 'rows', which comp-a does not declare (comp-a declares: k)",
            "tasks[0].args[0]: the placeholder names output artifact 'out', which comp-a does not declare (comp-a declares: nothing)",
            "tasks[0].args[1]: the placeholder names output parameter 'n', which comp-a does not declare (comp-a declares: nothing)",
            "tasks[0].args[2]: the placeholder names input artifact 'data', which comp-a does not declare (comp-a declares: nothing)",
        ]
    );
}
