//! Reading counts that the databases keep as BIGINT: a value out of range is a corrupt row,
//! not a panic.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::StoreError;

pub(super) fn u32_of(r: &AnyRow, column: &str) -> Result<u32, StoreError> {
    let value: i64 = r.try_get(column)?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{column} {value}")))
}

pub(super) fn opt_u32_of(r: &AnyRow, column: &str) -> Result<Option<u32>, StoreError> {
    let value: Option<i64> = r.try_get(column)?;
    value
        .map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("{column} {v}"))))
        .transpose()
}
