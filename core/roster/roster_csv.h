#pragma once

#include "core/common/result.h"
#include "core/roster/node.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace mg::roster {

// Roster CSV (RFC 4180 with a header row).
//
// Columns (names case-insensitive, surrounding whitespace ignored, any order): `id` (required),
// `name`, `role` (generator|consumer|prosumer|storage or '+'-joined, e.g. generator+storage),
// `renewable` (0 or 1), `environmental`, `cost`, `stability` and `score` (numbers in [0,1]),
// `group` (positive integer), `lat` (-90..90) and `lon` (-180..180; both columns or neither),
// `capacity_kw` (> 0). Unknown or repeated columns are errors, not ignored.
//
// Cells: quoted cells keep their text verbatim ("" is a quote; commas and line breaks allowed);
// unquoted cells are trimmed. An empty cell means "not given": the NodeInfo default for
// role/renewable/attributes/capacity, absent for score/group/lat/lon (lat and lon must be both
// given or both empty). Ids are trimmed, must be non-empty, unique, at most 128 characters and
// free of control characters. Blank lines are skipped; LF or CRLF; an optional UTF-8 BOM.
//
// Every error has code "roster.csv" (or "roster.io" for files) and a message naming the source,
// the 1-based line the row starts on and the column, e.g.
//   roster.csv line 7, column 'cost': '1.3' is outside [0,1]
// The first error wins.
Result<QList<NodeInfo>> parseRosterCsv(QByteArrayView csv, const QString &sourceName = QStringLiteral("roster"));
Result<QList<NodeInfo>> readRosterFile(const QString &path);

// Writes every column (id,name,role,renewable,environmental,cost,stability,score,group,lat,lon,
// capacity_kw), LF line ends, empty cells for absent optionals, numbers in their shortest
// round-trip form, quoting only where needed. parseRosterCsv(writeRosterCsv(x)) == x for nodes
// that are valid roster entries in the Active state (the CSV has no membership column).
QByteArray writeRosterCsv(const QList<NodeInfo> &nodes);

// Maximum id length accepted from a roster.
inline constexpr int maxNodeIdLength = 128;

} // namespace mg::roster
