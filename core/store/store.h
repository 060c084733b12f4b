#pragma once

#include "core/common/result.h"
#include "core/ledger/block.h"
#include "core/ledger/chain_validator.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace mg::store {

using ledger::ChainId;
using ledger::NodeId;

// A node's row in the roster table; the key directory used to check signatures on open.
struct NodeRecord
{
    NodeId id;
    QString name;
    QByteArray publicKey;
    QString roles;      // "generator,consumer,storage" (comma-separated)
    QString state;      // pending|active|suspended|evicted
    ChainId chainId = 0; // sub-chain it belongs to (0: none yet)
    QByteArray attributes; // encoded by the chain engine (renewable, scores, location, capacity...)

    bool operator==(const NodeRecord &) const = default;
};

// A console user's row (core/auth owns the rules; the store only keeps rows).
struct UserRecord
{
    QString name;
    QString passwordHash; // crypto::hashPassword format
    QString roles;        // "admin,operator" (auth::rolesToString)
    QStringList nodes;    // bound node ids
    int failedLogins = 0;
    qint64 lockedUntilMs = 0;
    qint64 createdMs = 0;

    bool operator==(const UserRecord &) const = default;
};

// (node id, encrypted key blob) of one user's keystore.
using KeyBlob = std::pair<QString, QByteArray>;

struct TxRef
{
    crypto::Hash256 id;
    ChainId chainId = 0;
    quint64 height = 0;
    quint32 index = 0;
    ledger::TxKind kind = ledger::TxKind::Order;
    NodeId sender;
    qint64 timestampMs = 0;
};

struct TxQuery
{
    std::optional<ledger::TxKind> kind;
    std::optional<ChainId> chainId;
    NodeId node;                      // sender or any involved node; empty: all
    std::optional<qint64> fromMs;     // inclusive
    std::optional<qint64> toMs;       // inclusive
    std::optional<quint64> fromHeight;
    std::optional<quint64> toHeight;
    int limit = 1000; // <= 0: no limit
    int offset = 0;
};

// One SQLite database per data directory (<dir>/microgrid.sqlite), in WAL mode.
// A Store is one connection and belongs to the thread that opened it: open another Store on the
// same directory for another thread (WAL lets readers run beside the writer).
class Store
{
public:
    static constexpr int SchemaVersion = 3;
    static QString databasePath(const QString &dataDir);

    struct Options
    {
        bool readOnly = false;
        bool create = true; // create directory and database when missing
    };
    static Result<std::unique_ptr<Store>> open(const QString &dataDir, Options options);
    static Result<std::unique_ptr<Store>> open(const QString &dataDir) { return open(dataDir, Options{}); }
    ~Store();

    Store(const Store &) = delete;
    Store &operator=(const Store &) = delete;

    QString dataDir() const;
    int schemaVersion() const;

    // Nodes
    Status putNode(const NodeRecord &node); // insert or replace
    Status putNodes(const QList<NodeRecord> &nodes);
    Result<QList<NodeRecord>> nodes() const;
    std::optional<NodeRecord> node(const NodeId &id) const;
    ledger::KeyLookup keyLookup() const; // cached snapshot of public keys

    // Blocks. Append checks continuity (genesis at 0, then height = tip + 1 and prevHash = tip's
    // hash) and writes the block with its transaction index rows in one SQL transaction.
    Status appendBlock(const ledger::Block &block);
    Status appendBlocks(const QList<ledger::Block> &blocks); // all or nothing
    QList<ChainId> chains() const;
    std::optional<quint64> tipHeight(ChainId chain) const;
    Result<ledger::Block> block(ChainId chain, quint64 height) const;
    Result<ledger::Block> blockByHash(const crypto::Hash256 &hash) const;
    Result<QList<ledger::BlockHeader>> headers(ChainId chain, quint64 fromHeight, quint64 toHeight) const;

    // Transaction index
    Result<QList<TxRef>> findTransactions(const TxQuery &query) const;
    Result<ledger::Transaction> transaction(const crypto::Hash256 &id) const;
    Result<TxRef> transactionRef(const crypto::Hash256 &id) const;

    // Re-validates every stored chain: row decoding, hash column vs recomputed hash, links,
    // Merkle roots, biller/ack/transaction signatures, index rows vs bodies. Reports the first
    // failure per chain. progress(done, total) is called now and then; cancel stops early.
    struct ValidationReport
    {
        QList<ledger::ValidationFinding> findings;
        quint64 blocksChecked = 0;
        bool cancelled = false;
    };
    ValidationReport validate(const std::function<void(quint64 done, quint64 total)> &progress = {},
                              const std::atomic_bool *cancel = nullptr) const;

    // Small key/value settings (scenario, demo flags...).
    Status setMeta(const QString &key, const QString &value);
    QString meta(const QString &key, const QString &fallback = {}) const;

    // Users and their keystore (core/store/user_store.cpp). Keystore rows go with their user
    // (ON DELETE CASCADE). putUser updates in place (an UPSERT, so the keys stay).
    Status putUser(const UserRecord &user); // insert or replace
    std::optional<UserRecord> user(const QString &name) const; // nullopt: unknown (or unreadable)
    Result<QList<UserRecord>> users() const; // by name
    Status removeUser(const QString &name);  // with its keys
    Status putKey(const QString &user, const QString &node, const QByteArray &blob);
    Result<QList<KeyBlob>> keysOf(const QString &user) const; // (node, blob) by node
    Status removeKeys(const QString &user);
    // The user row and the whole set of its keys (replacing the old set) in one transaction, so
    // a password change never leaves a key encrypted under the old password.
    Status putUserWithKeys(const UserRecord &user, const QList<KeyBlob> &keys);

    // For other core stores (users, accounts...) sharing this connection; never for ui/.
    QSqlDatabase database() const;

private:
    Store();
    struct Impl;
    std::unique_ptr<Impl> d;
};

// RAII write transaction: BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless
// commit() succeeded.
class WriteTransaction
{
public:
    explicit WriteTransaction(QSqlDatabase db);
    ~WriteTransaction();
    WriteTransaction(const WriteTransaction &) = delete;
    WriteTransaction &operator=(const WriteTransaction &) = delete;

    bool isActive() const { return m_active; }
    // Why BEGIN or COMMIT failed (SQLite's text), empty otherwise.
    QString errorString() const { return m_error; }
    Status commit();

private:
    QSqlDatabase m_db;
    bool m_active = false;
    QString m_error;
};

} // namespace mg::store
