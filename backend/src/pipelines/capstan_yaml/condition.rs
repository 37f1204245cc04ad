//! `when`: a CEL condition over the task's own input parameters (`inputs.parameters.n > 0`),
//! checked with [`cel::parse`](crate::pipelines::cel::parse) and written in KFP's form
//! (`inputs.parameter_values["n"] > 0`), which the run engine evaluates.

use crate::pipelines::cel::{self, Expr};

/// The condition `text` in KFP's form. `rename` gives, for an input parameter the condition
/// reads, the name of the input that carries it where the condition is evaluated (the problem
/// when there is none).
pub fn translate(
    text: &str,
    rename: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("empty: write a condition, such as inputs.parameters.n > 0".to_string());
    }
    let expr = cel::parse(text).map_err(|e| format!("not valid CEL: {e} (in `{text}`)"))?;
    Ok(rewrite(expr, rename)?.to_string())
}

/// `inputs.parameters.X` and `inputs.parameters['X']` become `inputs.parameter_values['Y']`
/// (`Y` the renamed `X`); any other variable is refused.
fn rewrite(
    expr: Expr,
    rename: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Expr, String> {
    let boxed = |expr: Box<Expr>, rename: &mut dyn FnMut(&str) -> Result<String, String>| {
        rewrite(*expr, rename).map(Box::new)
    };
    Ok(match expr {
        Expr::Member(base, name) if is_inputs_parameters(&base) => parameter(&name, rename)?,
        Expr::Index(base, index) if is_inputs_parameters(&base) => match *index {
            Expr::String(name) => parameter(&name, rename)?,
            _ => return Err("inputs.parameters[…] takes a quoted name".to_string()),
        },
        Expr::Ident(name) => {
            return Err(format!(
                "a condition reads only the task's input parameters, as inputs.parameters.NAME \
                 (found '{name}' used otherwise)"
            ));
        }
        Expr::Member(base, name) => Expr::Member(boxed(base, rename)?, name),
        Expr::Index(base, index) => Expr::Index(boxed(base, rename)?, boxed(index, rename)?),
        Expr::Call(function, arg) => Expr::Call(function, boxed(arg, rename)?),
        Expr::Not(inner) => Expr::Not(boxed(inner, rename)?),
        Expr::Neg(inner) => Expr::Neg(boxed(inner, rename)?),
        Expr::Binary(op, left, right) => {
            Expr::Binary(op, boxed(left, rename)?, boxed(right, rename)?)
        }
        literal => literal,
    })
}

fn is_inputs_parameters(expr: &Expr) -> bool {
    matches!(expr, Expr::Member(base, field)
        if field == "parameters" && matches!(&**base, Expr::Ident(name) if name == "inputs"))
}

fn parameter(
    name: &str,
    rename: &mut dyn FnMut(&str) -> Result<String, String>,
) -> Result<Expr, String> {
    let inputs = Expr::Ident("inputs".to_string());
    let values = Expr::Member(Box::new(inputs), "parameter_values".to_string());
    Ok(Expr::Index(
        Box::new(values),
        Box::new(Expr::String(rename(name)?)),
    ))
}
