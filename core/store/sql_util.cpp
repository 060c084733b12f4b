#include "core/store/sql_util.h"

#include "core/ledger/payloads.h"

namespace mg::store::detail {

Status execSql(QSqlDatabase &db, const QString &sql, const QString &code, const QString &what)
{
    QSqlQuery q(db);
    if (!q.exec(sql))
        return sqlError(code, what, q.lastError());
    return okStatus();
}

TxIndexWriter::TxIndexWriter(const QSqlDatabase &db)
    : m_insertTx(db)
    , m_insertNode(db)
{
}

Status TxIndexWriter::prepare()
{
    if (!m_insertTx.prepare(QStringLiteral(
            "INSERT INTO txs(id, chain_id, height, idx, kind, sender, timestamp_ms) VALUES(?, ?, ?, ?, ?, ?, ?)")))
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot prepare the txs insert"),
                        m_insertTx.lastError());
    // OR IGNORE: a node named twice in one transaction (sender and buyer, say) is one row.
    if (!m_insertNode.prepare(QStringLiteral("INSERT OR IGNORE INTO tx_nodes(tx_id, node_id) VALUES(?, ?)")))
        return sqlError(QStringLiteral("store.open"), QStringLiteral("cannot prepare the tx_nodes insert"),
                        m_insertNode.lastError());
    return okStatus();
}

Status TxIndexWriter::index(ledger::ChainId chain, quint64 height, const QList<ledger::Transaction> &txs)
{
    // Bound values persist across exec(); chain and height are the same for the whole block,
    // and each bindValue() costs a hash lookup inside QtSql, so they are bound once.
    m_insertTx.bindValue(1, qint64(chain));
    m_insertTx.bindValue(2, sqlInt(height));
    for (qsizetype i = 0; i < txs.size(); ++i) {
        const ledger::Transaction &tx = txs[i];
        const QByteArray id = tx.id().toByteArray();
        m_insertTx.bindValue(0, id);
        m_insertTx.bindValue(3, qint64(i));
        m_insertTx.bindValue(4, int(tx.kind));
        m_insertTx.bindValue(5, tx.sender);
        m_insertTx.bindValue(6, tx.timestampMs);
        if (!m_insertTx.exec())
            return sqlError(QStringLiteral("store.write"),
                            QStringLiteral("cannot index transaction %1 (chain %2 height %3 index %4)")
                                .arg(QString::fromLatin1(id.toHex()), QString::number(chain),
                                     QString::number(height), QString::number(i)),
                            m_insertTx.lastError());
        // The sender is already indexed by txs(sender); tx_nodes holds the other parties only
        // (buyer, seller, subject...). Orders, most of the traffic, then add no row here: one
        // random-key B-tree insert less per transaction, so fewer pages written per commit.
        const QStringList nodes = ledger::involvedNodes(tx);
        for (const QString &node : nodes) {
            if (node == tx.sender)
                continue;
            m_insertNode.bindValue(0, id);
            m_insertNode.bindValue(1, node);
            if (!m_insertNode.exec())
                return sqlError(QStringLiteral("store.write"),
                                QStringLiteral("cannot index node '%1' of transaction %2")
                                    .arg(node, QString::fromLatin1(id.toHex())),
                                m_insertNode.lastError());
        }
    }
    return okStatus();
}

} // namespace mg::store::detail
