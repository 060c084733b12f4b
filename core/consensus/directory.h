#pragma once

#include "core/crypto/keys.h"
#include "core/ledger/transaction.h"
#include "core/roster/node.h"

#include <QHash>

namespace mg::consensus {

using ledger::ChainId;
using ledger::NodeId;

// What this process knows about every node: roster attributes, public key, membership state,
// the sub-chain it belongs to, and (for nodes hosted here) its private key. The DBSCA weights
// live here too, since scores are computed from them.
class Directory
{
public:
    struct Entry
    {
        roster::NodeInfo info;
        QByteArray publicKey;
        crypto::KeyPair key; // null for nodes hosted elsewhere
        ChainId chainId = 0;
        bool regulator = false; // a regulator node: a parent-chain member that trades nothing
    };

    void add(Entry entry);
    const Entry *find(const NodeId &id) const;
    // Mutable access: bump version() yourself (touch()) if you change the state.
    Entry *find(const NodeId &id);
    void touch() { ++m_version; }
    QList<NodeId> ids() const; // sorted
    int size() const { return int(m_entries.size()); }

    QByteArray publicKey(const NodeId &id) const;
    ledger::KeyLookup keyLookup() const;

    bool isActive(const NodeId &id) const;
    bool isRegulator(const NodeId &id) const;
    QList<NodeId> regulators() const; // sorted
    void setState(const NodeId &id, roster::MembershipState state);

    // Bumped on every change of a node's state or the set of nodes, so callers can cache what
    // they derive (e.g. a chain's active members).
    quint64 version() const { return m_version; }

    const roster::Weights &weights() const { return m_weights; }
    void setWeights(const roster::Weights &weights) { m_weights = weights; ++m_version; }
    qint64 scoreMicro(const NodeId &id) const;

private:
    QHash<NodeId, Entry> m_entries;
    roster::Weights m_weights;
    quint64 m_version = 0;
};

} // namespace mg::consensus
