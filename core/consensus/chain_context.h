#pragma once

#include "core/consensus/config.h"
#include "core/consensus/directory.h"
#include "core/ledger/block.h"
#include "core/ledger/payloads.h"

#include <QSet>

#include <functional>
#include <map>

namespace mg::consensus {

// What a chain accepts and what its blocks derive. The market plugs in here (orders in, trades
// derived by the deterministic matcher); members re-run derive() to check the biller's block.
class ChainRules
{
public:
    virtual ~ChainRules() = default;
    // Empty when tx may enter this chain's mempool, else the reason it is refused.
    virtual QString admit(const ledger::Transaction &tx) const = 0;
    // Transactions the block must also contain, computed from its inputs (unsigned: sender is the
    // biller, timestamp the block's; members compare ids). Default: none.
    virtual QList<ledger::Transaction> derive(const QList<ledger::Transaction> &inputs,
                                              const NodeId &biller, qint64 blockTimestampMs) const
    {
        return {};
    }
    // Called once for each final block, in height order (to update derived state, e.g. books).
    virtual void applyFinal(const ledger::Block &block) {}
};

// One chain's final state as known in this process, shared by its in-process members: the
// members, the elected biller, the tip, and which transactions are final. Final blocks come in
// only through applyFinal(), which the engine hooks to persist, anchor and notify.
class ChainContext
{
public:
    ChainContext(ChainId id, bool isParent, const ConsensusConfig &config, Directory &directory, ChainRules &rules);

    ChainId id() const { return m_id; }
    bool isParent() const { return m_isParent; }
    const ConsensusConfig &config() const { return m_config; }
    ConsensusConfig &config() { return m_config; }
    Directory &directory() { return m_directory; }
    const Directory &directory() const { return m_directory; }
    ChainRules &rules() { return m_rules; }

    const QList<NodeId> &members() const { return m_members; } // sorted
    void setMembers(QList<NodeId> members);
    bool isMember(const NodeId &id) const { return m_memberSet.contains(id); }
    // Cached until the members or the directory change (asked for on every vote and message).
    const QList<NodeId> &activeMembers() const;
    int quorum() const { return ConsensusConfig::quorum(int(activeMembers().size())); }
    // Sub-chains: generators; the parent chain: any of its members.
    bool isEligible(const NodeId &id) const;

    bool hasBlocks() const { return m_hasTip; }
    quint64 nextHeight() const { return m_hasTip ? m_tip.height + 1 : 0; }
    const ledger::BlockHeader &tip() const { return m_tip; }
    bool isFinal(const crypto::Hash256 &txId) const { return m_finalTx.contains(txId); }
    // Transaction ids of a recent final block (the last few), so members that missed its
    // proposal can drop them from their mempools without scanning.
    QList<crypto::Hash256> recentFinalTxIds(quint64 height) const;
    net::TimeUs lastFinalAt() const { return m_lastFinalAt; }
    quint64 finalTransactions() const { return m_finalTxCount; }

    // The elected biller (empty before the first election or when no quorum was reached).
    const NodeId &biller() const { return m_biller; }
    quint64 billerRound() const { return m_billerRound; }
    // Applies an election certificate if it is newer than the current one; true if applied.
    bool applyElection(const ledger::BillerChangePayload &result);

    // A block with a quorum of acks. Refused unless it extends the tip.
    Status applyFinal(const ledger::Block &block, net::TimeUs now);
    // Adopt a tip loaded from the store on restart (no hooks are called).
    void restoreTip(const ledger::BlockHeader &tip, const QList<crypto::Hash256> &recentTxIds);

    // Hooks for the engine (persistence, anchoring, metrics, governance).
    std::function<void(const ledger::Block &)> onFinal;
    std::function<void(const ledger::BillerChangePayload &, const NodeId &previous)> onBillerChanged;
    std::function<void(const NodeId &member, const NodeId &biller, const QString &reason)> onRejectedBlock;
    std::function<void(const NodeId &silentBiller)> onBillerTimeout;

    quint64 elections() const { return m_elections; }

private:
    ChainId m_id;
    bool m_isParent;
    ConsensusConfig m_config;
    Directory &m_directory;
    ChainRules &m_rules;
    QList<NodeId> m_members;
    QSet<NodeId> m_memberSet;
    mutable QList<NodeId> m_active;
    mutable quint64 m_activeVersion = ~quint64(0);
    bool m_hasTip = false;
    ledger::BlockHeader m_tip;
    QSet<crypto::Hash256> m_finalTx;
    net::TimeUs m_lastFinalAt = 0;
    quint64 m_finalTxCount = 0;
    std::map<quint64, QList<crypto::Hash256>> m_recentFinal;
    NodeId m_biller;
    quint64 m_billerRound = 0;
    bool m_hasElection = false;
    quint64 m_elections = 0;
};

} // namespace mg::consensus
