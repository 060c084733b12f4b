#pragma once

// Private helpers of core/store: error values from QtSql errors and the transaction index
// writer shared by Store::appendBlocks and the v1 -> v2 backfill migration.

#include "core/common/result.h"
#include "core/ledger/transaction.h"

#include <QList>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>

namespace mg::store::detail {

// SQLite integers are signed 64-bit; Qt's SQLite driver binds a qulonglong QVariant as TEXT,
// so every unsigned value is converted explicitly before binding.
inline qint64 sqlInt(quint64 v) { return static_cast<qint64>(v); }

inline Error sqlError(const QString &code, const QString &what, const QSqlError &e)
{
    return Error{code, what + QLatin1String(": ") + e.text()};
}

// Runs one statement; on failure returns an Error with `code` naming `what` and SQLite's text.
Status execSql(QSqlDatabase &db, const QString &sql, const QString &code, const QString &what);

// Writes the txs and tx_nodes rows of one block through statements prepared once.
class TxIndexWriter
{
public:
    explicit TxIndexWriter(const QSqlDatabase &db);
    Status prepare();
    // Rows for txs[i] at (chain, height, i); involved nodes from ledger::involvedNodes().
    Status index(ledger::ChainId chain, quint64 height, const QList<ledger::Transaction> &txs);

private:
    QSqlQuery m_insertTx;
    QSqlQuery m_insertNode;
};

} // namespace mg::store::detail
