#pragma once

// Private to core/store: the schema's forward migrations.

#include "core/common/result.h"

#include <QSqlDatabase>
#include <QString>

namespace mg::store::detail {

// The version the last migration produces (== Store::SchemaVersion, checked at compile time).
int latestSchemaVersion();

// 0 for a database without a schema_version table.
Result<int> readSchemaVersion(QSqlDatabase &db, const QString &path);

// Brings the database at `path` up to latestSchemaVersion(), one write transaction per step.
// Errors: "store.schema_too_new" when the file is newer than this build, "store.migrate" when a
// step fails (the failed step is rolled back; earlier steps stay), "store.open" when the file is
// some other application's SQLite database. Returns the resulting version.
Result<int> migrate(QSqlDatabase &db, const QString &path);

} // namespace mg::store::detail
