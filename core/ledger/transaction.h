#pragma once

#include "core/common/result.h"
#include "core/crypto/hash.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace mg::crypto { class KeyPair; }

namespace mg::ledger {

using NodeId = QString;
using ChainId = quint32;
constexpr ChainId ParentChainId = 0; // sub-chains are numbered 1..N

enum class TxKind : quint8 {
    Order = 1,           // a prosumer's signed buy/sell order (sub-chain)
    Cancel = 2,          // the owner cancels an order (sub-chain)
    Trade = 3,           // a matched trade = energy contract, made by the biller (sub-chain)
    Settlement = 4,      // transfers for one delivery interval (sub-chain)
    Governance = 5,      // membership, votes, weights, rules (parent chain)
    RegulatorAction = 6, // halt, suspend, kick proposal... (parent chain)
    BillerChange = 7,    // an election result with its confirmations (parent chain)
    Ack = 8,             // a member's accept/reject of a proposed block; rejects are evidence
    Anchor = 9,          // a final sub-chain block (header + body) stored on the parent chain
    MeterReading = 10,   // a node's metered generation and consumption for a delivery slot (sub-chain)
};
constexpr quint8 MaxTxKind = 10;
QString txKindName(TxKind kind);                 // "order", "cancel", ... (stable, for CLI/JSON)
std::optional<TxKind> txKindFromName(QStringView name);

// Maps a node id to its Ed25519 public key (empty when unknown).
using KeyLookup = std::function<QByteArray(const NodeId &)>;

// The signed envelope shared by every ledger transaction. The payload is the kind's own
// canonical encoding (see payloads.h). id = SHA-256 of the signing bytes (everything but the
// signature), so the id cannot be changed by re-signing.
struct Transaction
{
    static constexpr quint8 CurrentVersion = 1;

    quint8 version = CurrentVersion;
    TxKind kind = TxKind::Order;
    ChainId chainId = 0;
    NodeId sender;
    qint64 timestampMs = 0;
    quint64 nonce = 0;
    QByteArray payload;
    QByteArray signature; // Ed25519 over signingBytes()

    QByteArray signingBytes() const;
    QByteArray encode() const; // signingBytes() + signature
    crypto::Hash256 id() const;
    static Result<Transaction> decode(QByteArrayView bytes);

    void sign(const crypto::KeyPair &key);
    // Uses the process-wide signature cache.
    bool verify(QByteArrayView publicKey) const;

    bool operator==(const Transaction &) const = default;
};

} // namespace mg::ledger
