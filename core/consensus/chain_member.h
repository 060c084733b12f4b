#pragma once

#include "core/consensus/chain_context.h"
#include "core/consensus/messages.h"
#include "core/net/transport.h"

#include <QHash>

#include <map>
#include <memory>
#include <optional>

namespace mg::consensus {

// Misbehaviour a member can be told to show (fault injection for tests and the console).
enum class Fault {
    None,
    Silent,            // takes part in nothing: a hung or crashed process
    BadSignature,      // as biller: proposes blocks with a corrupted signature
    WrongMerkleRoot,   // as biller: proposes blocks whose Merkle root does not match the body
    ForgedTransaction, // as biller: adds a derived transaction the rules would not produce
};

// One node's part in one chain (a sub-chain, or the parent chain for billers and regulators):
// its own mempool, its DBSCA election state, and — while it is the biller — block production
// and ack collection. Runs on the engine's event loop; talks to other members only through the
// transport.
//
// Election round numbers: the election after the final block at height h is round (h+1) << 16;
// a failover (silent or rejected biller, or no quorum) is the current round + 1. Members that see
// a higher round in any election message join it, so they converge after losses and partitions.
class ChainMember
{
public:
    ChainMember(NodeId self, crypto::KeyPair key, ChainContext &context, net::EventLoop &loop, net::Transport &transport);
    ~ChainMember();
    ChainMember(const ChainMember &) = delete;
    ChainMember &operator=(const ChainMember &) = delete;

    const NodeId &self() const { return m_self; }
    ChainContext &context() { return m_ctx; }

    void start();
    // A transaction created by this node: into its own mempool and to every other member.
    void submit(const ledger::Transaction &tx);
    // A transaction from elsewhere (e.g. sent by a node that is not a member): only into the mempool.
    void accept(const ledger::Transaction &tx);
    void handle(const net::MessagePtr &message);

    void setFault(Fault fault) { m_fault = fault; }
    Fault fault() const { return m_fault; }
    // While down (crashed), timers do nothing; on coming back the member catches up.
    void setDown(bool down);

    bool isBiller() const { return m_ctx.biller() == m_self; }
    quint64 round() const { return m_round; }
    bool electionOpen() const { return m_electionOpen; }
    int mempoolSize() const { return int(m_pending.size()); }
    QList<ledger::Transaction> pendingTransactions() const;

    // Starts election `round` (ignored if not newer than the current one).
    void startElection(quint64 round);

private:
    using PendingKey = std::pair<qint64, crypto::Hash256>; // (timestamp, id): deterministic order
    struct Pending
    {
        ledger::Transaction tx;
        net::TimeUs arrivedAt = 0;
    };
    struct Proposal
    {
        ledger::Block block;
        crypto::Hash256 hash;
        QHash<NodeId, QByteArray> acks;
        QSet<NodeId> rejects;
        net::TimeUs proposedAt = 0;
    };

    // What every in-process recipient of one message would compute alike (see Message::memo).
    struct TxMemo { bool ready = false; crypto::Hash256 id; bool signatureValid = false; };
    struct BlockMemo { bool ready = false; crypto::Hash256 hash; QList<crypto::Hash256> ids; QList<bool> signatureValid; };
    struct SignersMemo { bool ready = false; crypto::Hash256 hash; QSet<NodeId> validSigners; };

    void acceptChecked(const ledger::Transaction &tx, const crypto::Hash256 &id, bool signatureValid);
    bool addPending(const ledger::Transaction &tx, const crypto::Hash256 &id);
    void removePending(const QList<crypto::Hash256> &ids);
    void pruneFinal();
    void schedule(net::TimeUs delay, std::function<void()> fn);
    void multicast(const net::MessagePtr &message);
    void sendTo(const NodeId &to, const net::MessagePtr &message);

    // election
    void nominate(quint64 round);
    void confirm(quint64 round);
    bool joinRound(quint64 round);
    void considerCandidate(const NodeId &candidate, qint64 score);
    void handleNomination(const Nomination &n);
    void handleConfirmation(const ConfirmationMessage &c);
    void handleElectionResult(const ledger::BillerChangePayload &result, const SignersMemo &memo);
    bool checkCertificate(const ledger::BillerChangePayload &result, const SignersMemo &memo) const;
    void adoptResult(const ledger::BillerChangePayload &result);
    void failover(const QString &why);

    // blocks
    void armBlockTimer();
    void maybePropose(bool timerFired);
    void propose();
    void handleProposal(const ledger::Block &block, const NodeId &from, const BlockMemo &memo);
    QString checkProposal(const ledger::Block &block, const BlockMemo &memo) const;
    void handleVote(const BlockVote &vote);
    void finalizeProposal();
    void handleFinal(const ledger::BlockHeader &header, const SignersMemo &memo);
    void afterFinal(quint64 height);
    void watchdog();
    void scheduleWatchdog();

    NodeId m_self;
    crypto::KeyPair m_key;
    ChainContext &m_ctx;
    net::EventLoop &m_loop;
    net::Transport &m_transport;
    std::shared_ptr<bool> m_alive; // timers capture a weak copy: they do nothing after destruction

    Fault m_fault = Fault::None;
    bool m_down = false;

    std::map<PendingKey, Pending> m_pending;
    QHash<crypto::Hash256, PendingKey> m_pendingIndex;

    quint64 m_round = 0;
    bool m_electionOpen = false;
    bool m_everElected = false;
    NodeId m_best;
    qint64 m_bestScore = -1;
    QHash<NodeId, ConfirmationMessage> m_confirmations;
    bool m_certificateSent = false;
    // Billers excluded after a timeout or a rejected block, until the given round: long enough to
    // move on, not forever (a repaired node may serve again).
    QHash<NodeId, quint64> m_excludedUntil;
    bool isExcluded(const NodeId &node) const;
    void exclude(const NodeId &node);

    std::optional<Proposal> m_proposal;
    QHash<crypto::Hash256, ledger::Block> m_seenProposals; // by hash, to apply/prune on Final
    bool m_blockTimerArmed = false;
    net::TimeUs m_lastBlockAt = 0;
    net::TimeUs m_lastProgressAt = 0;
    net::TimeUs m_lastForwardAt = 0; // when stale pending work was last forwarded to the biller
};

} // namespace mg::consensus
