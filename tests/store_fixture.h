#pragma once

// Test data shared by tst_store, tst_store_crash and tst_cli_verify: a roster with deterministic
// keys and chains of real, signed blocks (orders and trades), plus a raw SQLite connection that
// plays the part of someone editing the database file with the sqlite3 tool.

#include "core/crypto/keys.h"
#include "core/ledger/block.h"
#include "core/ledger/payloads.h"
#include "core/store/store.h"

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <atomic>

namespace mg::test {

class Roster
{
public:
    explicit Roster(int count)
    {
        for (int i = 0; i < count; ++i) {
            const QString id = QStringLiteral("node-%1").arg(i, 2, 10, QLatin1Char('0'));
            // Deterministic keys, so a child process and its parent agree on the roster.
            auto key = crypto::KeyPair::fromPrivateKey(crypto::sha256(id.toUtf8()).toByteArray());
            Q_ASSERT(key.ok());
            m_ids.append(id);
            m_keys.append(key.value());
        }
    }

    int size() const { return int(m_ids.size()); }
    const QString &id(int i) const { return m_ids[i % size()]; }
    const crypto::KeyPair &key(int i) const { return m_keys[i % size()]; }

    QList<store::NodeRecord> records(ledger::ChainId chain = 1) const
    {
        QList<store::NodeRecord> list;
        for (int i = 0; i < size(); ++i) {
            store::NodeRecord r;
            r.id = m_ids[i];
            r.name = QStringLiteral("Node %1").arg(i);
            r.publicKey = m_keys[i].publicKey();
            r.roles = QStringLiteral("generator,consumer");
            r.state = QStringLiteral("active");
            r.chainId = chain;
            r.attributes = QByteArray("\x01\x02", 2);
            list.append(r);
        }
        return list;
    }

    ledger::Transaction order(ledger::ChainId chain, int sender, qint64 timestampMs, quint64 nonce) const
    {
        ledger::OrderPayload p;
        p.side = nonce % 2 ? ledger::Side::Sell : ledger::Side::Buy;
        p.energyWh = 1000 + qint64(nonce % 5000);
        p.priceMilliPerKwh = 120000 + qint64(nonce % 1000);
        p.deliverySlot = timestampMs / (15 * 60 * 1000) + 1;
        p.expiresAtMs = timestampMs + 3600 * 1000;
        ledger::Transaction tx;
        tx.kind = ledger::TxKind::Order;
        tx.chainId = chain;
        tx.sender = id(sender);
        tx.timestampMs = timestampMs;
        tx.nonce = nonce;
        tx.payload = p.encode();
        tx.sign(key(sender));
        return tx;
    }

    // A trade made by the biller between a buyer and a seller (neither is the sender).
    ledger::Transaction trade(ledger::ChainId chain, int biller, int buyer, int seller, qint64 timestampMs,
                              quint64 nonce) const
    {
        ledger::TradePayload p;
        p.buyOrderId = crypto::sha256(QByteArray(QByteArray::number(nonce) + "buy"));
        p.sellOrderId = crypto::sha256(QByteArray(QByteArray::number(nonce) + "sell"));
        p.buyer = id(buyer);
        p.seller = id(seller);
        p.energyWh = 2000;
        p.priceMilliPerKwh = 150000;
        p.deliverySlot = timestampMs / (15 * 60 * 1000) + 1;
        p.penaltyMilliPerKwh = 50000;
        p.buyOrderSignature = QByteArray(64, 'b');
        p.sellOrderSignature = QByteArray(64, 's');
        ledger::Transaction tx;
        tx.kind = ledger::TxKind::Trade;
        tx.chainId = chain;
        tx.sender = id(biller);
        tx.timestampMs = timestampMs;
        tx.nonce = nonce;
        tx.payload = p.encode();
        tx.sign(key(biller));
        return tx;
    }

    ledger::Block block(ledger::ChainId chain, quint64 height, const crypto::Hash256 &prevHash,
                        QList<ledger::Transaction> txs, int biller, qint64 timestampMs) const
    {
        ledger::Block b;
        b.header.chainId = chain;
        b.header.height = height;
        b.header.prevHash = prevHash;
        b.header.timestampMs = timestampMs;
        b.header.billerId = id(biller);
        b.txs = std::move(txs);
        b.seal();
        b.header.signAsBiller(key(biller));
        for (int k = 1; k <= 2; ++k)
            b.header.acks.append(b.header.makeAck(id(biller + k), key(biller + k)));
        return b;
    }

    // `count` blocks continuing after `prev` (or from genesis), each with `txPerBlock` orders;
    // every third block also carries a trade. Timestamps: one block per second from startMs.
    QList<ledger::Block> chain(ledger::ChainId chain, int count, int txPerBlock, qint64 startMs,
                               const ledger::BlockHeader *prev = nullptr) const
    {
        QList<ledger::Block> blocks;
        quint64 height = prev ? prev->height + 1 : 0;
        crypto::Hash256 prevHash = prev ? prev->hash() : crypto::Hash256{};
        for (int b = 0; b < count; ++b, ++height) {
            const qint64 ts = startMs + qint64(height) * 1000;
            QList<ledger::Transaction> txs;
            for (int t = 0; t < txPerBlock; ++t)
                txs.append(order(chain, int(height) * 7 + t, ts - 500 + t, (quint64(chain) << 40) | (height << 16) | quint64(t)));
            if (height % 3 == 0)
                txs.append(trade(chain, int(height), int(height) + 1, int(height) + 2, ts - 100,
                                 (quint64(chain) << 40) | (height << 16) | 0xffff));
            blocks.append(block(chain, height, prevHash, txs, int(height), ts));
            prevHash = blocks.last().header.hash();
        }
        return blocks;
    }

private:
    QList<QString> m_ids;
    QList<crypto::KeyPair> m_keys;
};

// A second connection to the same file, outside Store: what the sqlite3 tool would do.
class RawDb
{
public:
    explicit RawDb(const QString &path)
        : m_name(QStringLiteral("raw-%1").arg(++counter()))
    {
        m_db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_name);
        m_db.setDatabaseName(path);
        m_ok = m_db.open();
    }
    ~RawDb()
    {
        m_db.close();
        m_db = QSqlDatabase();
        QSqlDatabase::removeDatabase(m_name);
    }
    RawDb(const RawDb &) = delete;
    RawDb &operator=(const RawDb &) = delete;

    bool isOpen() const { return m_ok; }

    // Runs sql with bound values; returns the first column of the first row (if any).
    QVariant exec(const QString &sql, const QVariantList &params = {}, QString *error = nullptr)
    {
        QSqlQuery q(m_db);
        q.prepare(sql);
        for (int i = 0; i < params.size(); ++i)
            q.bindValue(i, params[i]);
        if (!q.exec()) {
            if (error)
                *error = q.lastError().text();
            qWarning("RawDb: %s: %s", qPrintable(sql), qPrintable(q.lastError().text()));
            return {};
        }
        return q.next() ? q.value(0) : QVariant();
    }

    QSqlDatabase &db() { return m_db; }

private:
    static std::atomic<int> &counter()
    {
        static std::atomic<int> c{0};
        return c;
    }

    QString m_name;
    QSqlDatabase m_db;
    bool m_ok = false;
};

} // namespace mg::test
