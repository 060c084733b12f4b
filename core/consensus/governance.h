#pragma once

#include "core/consensus/directory.h"
#include "core/ledger/block.h"
#include "core/ledger/payloads.h"

#include <QSet>

#include <functional>
#include <map>

namespace mg::consensus {

struct GovernanceConfig
{
    // A stage passes when yes votes are strictly more than this share of its eligible voters,
    // and fails once that can no longer happen.
    double subChainThreshold = 0.5;
    double parentThreshold = 0.5;
    int maxSubChainSize = 50; // a joining node goes to the nearest sub-chain with room
};

// The membership contract, applied to the governance chain's final blocks in order (the parent
// chain; the only chain in the single-layer baseline). Deterministic: every process that applies
// the same blocks reaches the same state.
//
// Join: JoinRequest (signed by the new node, carrying its key and attributes) -> the target
// sub-chain (nearest with room) votes -> parent members vote -> Assign. Kick and Suspend: a
// proposal names the subject -> the subject's sub-chain votes (without the subject) -> parent
// members vote -> the node is evicted or suspended. Unsuspend goes the same way.
class Governance
{
public:
    enum class Stage : quint8 { SubChainVote, ParentVote, Approved, Rejected };
    struct Proposal
    {
        crypto::Hash256 id; // the proposing transaction's id
        ledger::GovernancePayload::Action action = ledger::GovernancePayload::Action::JoinRequest;
        NodeId subject;
        NodeId proposer;
        ChainId targetChain = 0; // sub-chain that votes first (and receives a joining node)
        Stage stage = Stage::SubChainVote;
        QSet<NodeId> yes;
        QSet<NodeId> no;
        QString reason;
        bool regulatorApproved = false; // a regulator approved a join before the parent vote opened
        qint64 createdMs = 0;
        qint64 decidedMs = 0;
    };

    // What the engine provides: the members of each chain and where a joining node goes.
    struct Hooks
    {
        std::function<QList<NodeId>(ChainId)> members;           // a sub-chain's members
        std::function<ChainId(const roster::NodeInfo &)> placeJoiner; // 0 when no sub-chain has room
        std::function<void(const Proposal &)> onDecided;         // approved or rejected
        std::function<void(const Proposal &)> onOpened;          // a new stage is open for votes
        // A regulator's action that is not about membership (halt, rules, weights), signed by a
        // regulator node and final on the parent chain.
        std::function<void(const ledger::Transaction &, const ledger::RegulatorActionPayload &, qint64 blockMs)> onRegulatorAction;
        // A node's state changed at once (a regulator's suspend / unsuspend).
        std::function<void(const NodeId &)> onStateChanged;
    };

    Governance(Directory &directory, GovernanceConfig config, Hooks hooks);

    const GovernanceConfig &config() const { return m_config; }
    void apply(const ledger::Block &block);

    const Proposal *proposal(const crypto::Hash256 &id) const;
    // Who may vote on p's current stage: the target sub-chain's active members (sub-chain vote),
    // or the parent chain's members: the billers recorded by BillerChange transactions and the
    // regulator nodes (parent vote).
    QList<NodeId> voters(const Proposal &p) const;
    QList<NodeId> parentMembers() const;
    QList<Proposal> proposals() const; // in the order they were made

    // Encodes a join request's data: the new node's public key and attributes.
    static QByteArray joinData(const QByteArray &publicKey, const roster::NodeInfo &info);
    static Result<std::pair<QByteArray, roster::NodeInfo>> parseJoinData(QByteArrayView data, const NodeId &id);
    static QByteArray voteData(bool approve);

private:
    void applyTx(const ledger::Transaction &tx, qint64 whenMs);
    void open(const ledger::Transaction &tx, const ledger::GovernancePayload &p, qint64 whenMs);
    void vote(const ledger::Transaction &tx, const ledger::GovernancePayload &p, qint64 whenMs);
    void castVote(Proposal &p, const NodeId &voter, bool approve, qint64 whenMs);
    void regulate(const ledger::Transaction &tx, const ledger::RegulatorActionPayload &p, qint64 whenMs);
    void decide(Proposal &p, Stage stage, qint64 whenMs);
    void tally(Proposal &p, qint64 whenMs);

    Directory &m_directory;
    GovernanceConfig m_config;
    Hooks m_hooks;
    std::map<crypto::Hash256, Proposal> m_proposals;
    std::map<ChainId, NodeId> m_billers; // sub-chain -> biller, from BillerChange transactions
    QList<crypto::Hash256> m_order;
};

QString governanceStageName(Governance::Stage stage);

} // namespace mg::consensus
