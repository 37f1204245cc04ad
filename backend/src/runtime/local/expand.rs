//! `$(NAME)` in a replica's command and args is replaced by the variable's value in the
//! replica's environment, as Kubernetes does for a container's command and args: a command can
//! name a port the runtime allocates at start (`--port=$(CAPSTAN_PORT_HTTP)`). A reference to an
//! unset variable stays as written, and `$$(NAME)` is the literal `$(NAME)`. Unlike Kubernetes, a
//! `$$` before anything else stays `$$`: shell scripts say `$$` for their pid.

use std::collections::BTreeMap;

pub(crate) fn expand(arg: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix("$(") {
            out.push_str("$(");
            rest = tail;
        } else if let Some(reference) = after.strip_prefix('(')
            && let Some(end) = reference.find(')')
            && let Some(value) = env.get(&reference[..end])
        {
            out.push_str(value);
            rest = &reference[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_set_variables_and_keeps_the_rest() {
        let env = BTreeMap::from([("PORT".to_owned(), "8123".to_owned())]);
        assert_eq!(expand("--port=$(PORT)", &env), "--port=8123");
        assert_eq!(expand("$(PORT)$(PORT)", &env), "81238123");
        assert_eq!(expand("$(UNSET) $(PORT", &env), "$(UNSET) $(PORT");
        assert_eq!(expand("$$(PORT) costs $5", &env), "$(PORT) costs $5");
        assert_eq!(expand("echo $$ > pid", &env), "echo $$ > pid");
        assert_eq!(expand("trailing $", &env), "trailing $");
    }
}
