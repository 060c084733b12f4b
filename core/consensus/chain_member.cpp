#include "core/consensus/chain_member.h"

#include "core/crypto/keys.h"
#include "core/ledger/merkle.h"

#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcConsensus, "mg.consensus", QtWarningMsg)

namespace mg::consensus {

using ledger::Block;
using ledger::BlockHeader;
using ledger::Transaction;
using net::Message;
using net::MessageType;
using net::TimeUs;

namespace {
constexpr int RoundShift = 16;
quint64 roundAfterHeight(quint64 height) { return (height + 1) << RoundShift; }
constexpr int MaxSeenProposals = 8;
} // namespace

ChainMember::ChainMember(NodeId self, crypto::KeyPair key, ChainContext &context, net::EventLoop &loop, net::Transport &transport)
    : m_self(std::move(self))
    , m_key(std::move(key))
    , m_ctx(context)
    , m_loop(loop)
    , m_transport(transport)
    , m_alive(std::make_shared<bool>(true))
{
}

ChainMember::~ChainMember()
{
    *m_alive = false;
}

void ChainMember::schedule(TimeUs delay, std::function<void()> fn)
{
    std::weak_ptr<bool> alive = m_alive;
    m_loop.schedule(delay, [alive, this, fn = std::move(fn)] {
        auto a = alive.lock();
        if (a && *a && !m_down)
            fn();
    });
}

void ChainMember::multicast(const net::MessagePtr &message)
{
    m_transport.multicast(m_ctx.members(), message);
}

void ChainMember::sendTo(const NodeId &to, const net::MessagePtr &message)
{
    m_transport.send(to, message);
}

void ChainMember::start()
{
    m_lastProgressAt = m_loop.now();
    scheduleWatchdog();
    if (m_ctx.biller().isEmpty()) {
        startElection(m_ctx.hasBlocks() ? roundAfterHeight(m_ctx.tip().height) : 1);
    } else {
        m_round = m_ctx.billerRound(); // joining a chain that already has a biller
        if (isBiller())
            armBlockTimer();
    }
}

// Detects a silent biller, and retries when no biller could be elected. Keeps ticking while the
// member is down (it just does nothing then).
void ChainMember::scheduleWatchdog()
{
    const TimeUs period = std::max<TimeUs>(m_ctx.config().billerTimeoutUs / 2, net::UsPerMs);
    std::weak_ptr<bool> alive = m_alive;
    m_loop.schedule(period, [alive, this] {
        auto a = alive.lock();
        if (!a || !*a)
            return;
        if (!m_down)
            watchdog();
        scheduleWatchdog();
    });
}

void ChainMember::setDown(bool down)
{
    if (m_down == down)
        return;
    m_down = down;
    if (!down) {
        // Back from a crash: forget what went stale, resume at the shared tip.
        m_proposal.reset();
        m_blockTimerArmed = false;
        pruneFinal();
        m_lastProgressAt = m_loop.now();
        if (isBiller())
            armBlockTimer();
    }
}

// ---- mempool ----------------------------------------------------------------------------------

bool ChainMember::addPending(const Transaction &tx, const crypto::Hash256 &id)
{
    if (m_pendingIndex.contains(id) || m_ctx.isFinal(id))
        return false;
    const PendingKey key{tx.timestampMs, id};
    m_pending.emplace(key, Pending{tx, m_loop.now()});
    m_pendingIndex.insert(id, key);
    return true;
}

void ChainMember::removePending(const QList<crypto::Hash256> &ids)
{
    for (const crypto::Hash256 &id : ids) {
        auto it = m_pendingIndex.find(id);
        if (it == m_pendingIndex.end())
            continue;
        m_pending.erase(*it);
        m_pendingIndex.erase(it);
    }
}

void ChainMember::pruneFinal()
{
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (m_ctx.isFinal(it->first.second)) {
            m_pendingIndex.remove(it->first.second);
            it = m_pending.erase(it);
        } else {
            ++it;
        }
    }
}

QList<Transaction> ChainMember::pendingTransactions() const
{
    QList<Transaction> txs;
    txs.reserve(qsizetype(m_pending.size()));
    for (const auto &[key, p] : m_pending)
        txs.append(p.tx);
    return txs;
}

void ChainMember::submit(const Transaction &tx)
{
    if (m_down)
        return;
    accept(tx);
    multicast(Message::make(MessageType::Transaction, m_ctx.id(), m_self, tx));
}

void ChainMember::accept(const Transaction &tx)
{
    const crypto::Hash256 id = tx.id();
    if (m_pendingIndex.contains(id) || m_ctx.isFinal(id))
        return;
    acceptChecked(tx, id, tx.verify(m_ctx.directory().publicKey(tx.sender)));
}

void ChainMember::acceptChecked(const Transaction &tx, const crypto::Hash256 &id, bool signatureValid)
{
    if (m_pendingIndex.contains(id) || m_ctx.isFinal(id))
        return;
    if (tx.chainId != m_ctx.id() || !signatureValid)
        return;
    if (!m_ctx.rules().admit(tx).isEmpty())
        return;
    if (addPending(tx, id) && isBiller())
        maybePropose(false);
}

// ---- dispatch ---------------------------------------------------------------------------------

void ChainMember::handle(const net::MessagePtr &message)
{
    if (m_down || m_fault == Fault::Silent)
        return;
    switch (message->type()) {
    case MessageType::Transaction:
        if (const auto *tx = message->decoded<Transaction>()) {
            TxMemo &memo = message->memo<TxMemo>();
            if (!memo.ready) {
                memo.id = tx->id();
                memo.signatureValid = tx->verify(m_ctx.directory().publicKey(tx->sender));
                memo.ready = true;
            }
            acceptChecked(*tx, memo.id, memo.signatureValid);
        }
        break;
    case MessageType::Nomination:
        if (const auto *n = message->decoded<Nomination>())
            handleNomination(*n);
        break;
    case MessageType::Confirmation:
        if (const auto *c = message->decoded<ConfirmationMessage>())
            handleConfirmation(*c);
        break;
    case MessageType::ElectionResult:
        if (const auto *r = message->decoded<ledger::BillerChangePayload>()) {
            SignersMemo &memo = message->memo<SignersMemo>();
            if (!memo.ready) {
                const QByteArray signedBytes = r->confirmationBytes();
                for (const ledger::Confirmation &c : r->confirmations)
                    if (crypto::verifyCached(m_ctx.directory().publicKey(c.nodeId), signedBytes, c.signature))
                        memo.validSigners.insert(c.nodeId);
                memo.ready = true;
            }
            handleElectionResult(*r, memo);
        }
        break;
    case MessageType::Proposal:
        if (const auto *b = message->decoded<Block>()) {
            BlockMemo &memo = message->memo<BlockMemo>();
            if (!memo.ready) {
                memo.hash = b->header.hash();
                memo.ids.reserve(b->txs.size());
                memo.signatureValid.reserve(b->txs.size());
                for (const Transaction &tx : b->txs) {
                    memo.ids.append(tx.id());
                    memo.signatureValid.append(tx.verify(m_ctx.directory().publicKey(tx.sender)));
                }
                memo.ready = true;
            }
            handleProposal(*b, message->from(), memo);
        }
        break;
    case MessageType::Vote:
        if (const auto *v = message->decoded<BlockVote>())
            handleVote(*v);
        break;
    case MessageType::Final:
        if (const auto *h = message->decoded<BlockHeader>()) {
            SignersMemo &memo = message->memo<SignersMemo>();
            if (!memo.ready) {
                memo.hash = h->hash();
                for (const ledger::BlockAck &ack : h->acks)
                    if (crypto::verifyCached(m_ctx.directory().publicKey(ack.nodeId), memo.hash.toByteArray(), ack.signature))
                        memo.validSigners.insert(ack.nodeId);
                memo.ready = true;
            }
            handleFinal(*h, memo);
        }
        break;
    case MessageType::SyncRequest:
    case MessageType::SyncResponse:
        break; // in-process members share the final chain; the TCP transport syncs blocks
    }
}

// ---- DBSCA election ---------------------------------------------------------------------------

void ChainMember::startElection(quint64 round)
{
    if (round < m_round || (round == m_round && (m_electionOpen || m_everElected)))
        return;
    m_round = round;
    m_electionOpen = true;
    m_everElected = true;
    m_best.clear();
    m_bestScore = -1;
    m_confirmations.clear();
    m_certificateSent = false;

    const ConsensusConfig &cfg = m_ctx.config();
    if (m_ctx.isEligible(m_self) && !isExcluded(m_self) && m_fault != Fault::Silent) {
        // Higher scores nominate earlier; lower ones stay quiet once they have seen a better
        // candidate, so an election costs a few broadcasts instead of one per generator.
        const qint64 score = std::clamp<qint64>(m_ctx.directory().scoreMicro(m_self), 0, 1000000);
        const TimeUs delay = cfg.nominationWindowUs * 9 / 10 * (1000000 - score) / 1000000;
        schedule(delay, [this, round] { nominate(round); });
    }
    schedule(cfg.nominationWindowUs, [this, round] { confirm(round); });
    schedule(cfg.electionTimeoutUs, [this, round] {
        if (m_round == round && m_electionOpen)
            failover(QStringLiteral("no biller elected in round %1").arg(round));
    });
}

bool ChainMember::isExcluded(const NodeId &node) const
{
    auto it = m_excludedUntil.constFind(node);
    return it != m_excludedUntil.cend() && m_round < *it;
}

void ChainMember::exclude(const NodeId &node)
{
    constexpr quint64 ExcludedBlocks = 64;
    m_excludedUntil.insert(node, m_round + (ExcludedBlocks << RoundShift));
}

bool ChainMember::joinRound(quint64 round)
{
    if (round < m_round)
        return false;
    if (round > m_round)
        startElection(round);
    return true;
}

void ChainMember::considerCandidate(const NodeId &candidate, qint64 score)
{
    if (score > m_bestScore || (score == m_bestScore && candidate < m_best)) {
        m_best = candidate;
        m_bestScore = score;
    }
}

void ChainMember::nominate(quint64 round)
{
    if (round != m_round || !m_electionOpen)
        return;
    const qint64 score = m_ctx.directory().scoreMicro(m_self);
    if (m_bestScore > score || (m_bestScore == score && m_best < m_self))
        return; // someone better already stands
    Nomination n;
    n.chainId = m_ctx.id();
    n.round = round;
    n.candidate = m_self;
    n.scoreMicro = score;
    n.signature = m_key.sign(n.signingBytes());
    considerCandidate(m_self, score);
    multicast(Message::make(MessageType::Nomination, m_ctx.id(), m_self, n));
}

void ChainMember::handleNomination(const Nomination &n)
{
    if (n.chainId != m_ctx.id() || !joinRound(n.round) || !m_electionOpen)
        return;
    if (!m_ctx.isEligible(n.candidate) || isExcluded(n.candidate))
        return;
    // The claimed score must be the one every member computes from the public roster.
    if (n.scoreMicro != m_ctx.directory().scoreMicro(n.candidate))
        return;
    if (!crypto::verifyCached(m_ctx.directory().publicKey(n.candidate), n.signingBytes(), n.signature))
        return;
    considerCandidate(n.candidate, n.scoreMicro);
}

void ChainMember::confirm(quint64 round)
{
    if (round != m_round || !m_electionOpen || m_best.isEmpty() || !m_ctx.isMember(m_self))
        return;
    ConfirmationMessage c;
    c.chainId = m_ctx.id();
    c.round = round;
    c.candidate = m_best;
    c.scoreMicro = m_bestScore;
    c.confirmer = m_self;
    c.signature = m_key.sign(c.signingBytes());
    if (m_best == m_self)
        handleConfirmation(c);
    else
        sendTo(m_best, Message::make(MessageType::Confirmation, m_ctx.id(), m_self, c));
}

void ChainMember::handleConfirmation(const ConfirmationMessage &c)
{
    if (c.chainId != m_ctx.id() || c.candidate != m_self || !joinRound(c.round) || m_certificateSent)
        return;
    if (!m_ctx.isMember(c.confirmer) || !m_ctx.directory().isActive(c.confirmer) || m_confirmations.contains(c.confirmer))
        return;
    if (c.scoreMicro != m_ctx.directory().scoreMicro(m_self))
        return;
    if (c.confirmer != m_self && !crypto::verifyCached(m_ctx.directory().publicKey(c.confirmer), c.signingBytes(), c.signature))
        return;
    m_confirmations.insert(c.confirmer, c);
    if (int(m_confirmations.size()) < m_ctx.quorum())
        return;

    ledger::BillerChangePayload result;
    result.chainId = m_ctx.id();
    result.round = c.round;
    result.previousBiller = m_ctx.biller();
    result.newBiller = m_self;
    result.scoreMicro = c.scoreMicro;
    QList<NodeId> confirmers = m_confirmations.keys();
    std::sort(confirmers.begin(), confirmers.end());
    for (const NodeId &id : confirmers)
        result.confirmations.append(ledger::Confirmation{id, m_confirmations.value(id).signature});
    m_certificateSent = true;
    multicast(Message::make(MessageType::ElectionResult, m_ctx.id(), m_self, result));
    adoptResult(result);
}

bool ChainMember::checkCertificate(const ledger::BillerChangePayload &result, const SignersMemo &memo) const
{
    if (result.chainId != m_ctx.id() || !m_ctx.isEligible(result.newBiller))
        return false;
    if (result.scoreMicro != m_ctx.directory().scoreMicro(result.newBiller))
        return false;
    QSet<NodeId> seen;
    for (const ledger::Confirmation &c : result.confirmations) {
        if (seen.contains(c.nodeId) || !m_ctx.isMember(c.nodeId) || !m_ctx.directory().isActive(c.nodeId))
            return false;
        if (!memo.validSigners.contains(c.nodeId))
            return false;
        seen.insert(c.nodeId);
    }
    return int(seen.size()) >= m_ctx.quorum();
}

void ChainMember::handleElectionResult(const ledger::BillerChangePayload &result, const SignersMemo &memo)
{
    if (result.round < m_round || !checkCertificate(result, memo))
        return;
    adoptResult(result);
}

void ChainMember::adoptResult(const ledger::BillerChangePayload &result)
{
    m_round = std::max(m_round, result.round);
    m_electionOpen = false;
    m_lastProgressAt = m_loop.now();
    m_ctx.applyElection(result);
    if (isBiller()) {
        m_lastBlockAt = std::max(m_lastBlockAt, m_ctx.lastFinalAt());
        armBlockTimer();
        maybePropose(false);
    }
}

void ChainMember::failover(const QString &why)
{
    qCDebug(lcConsensus) << m_self << "chain" << m_ctx.id() << "failover:" << why;
    startElection(m_round + 1);
}

// ---- blocks -----------------------------------------------------------------------------------

void ChainMember::armBlockTimer()
{
    if (m_blockTimerArmed)
        return;
    m_blockTimerArmed = true;
    schedule(m_ctx.config().blockIntervalUs, [this] {
        m_blockTimerArmed = false;
        if (!isBiller())
            return;
        maybePropose(true);
        armBlockTimer();
    });
}

void ChainMember::maybePropose(bool timerFired)
{
    if (!isBiller() || m_proposal || m_electionOpen || m_down || m_fault == Fault::Silent || m_pending.empty())
        return;
    const bool full = int(m_pending.size()) >= m_ctx.config().txThreshold;
    const bool due = m_loop.now() - m_lastBlockAt >= m_ctx.config().blockIntervalUs;
    if (full || due || timerFired)
        propose();
}

void ChainMember::propose()
{
    pruneFinal();
    if (m_pending.empty())
        return;
    QList<Transaction> inputs;
    const int max = m_ctx.config().maxTxPerBlock;
    for (auto it = m_pending.begin(); it != m_pending.end() && inputs.size() < max;) {
        // Admitted when it arrived, but the chain's state may have changed since (e.g. its sender
        // was suspended): members check every input again, so propose only what they accept.
        if (!m_ctx.rules().admit(it->second.tx).isEmpty()) {
            m_pendingIndex.remove(it->first.second);
            it = m_pending.erase(it);
            continue;
        }
        inputs.append(it->second.tx);
        ++it;
    }
    if (inputs.isEmpty())
        return;

    Block block;
    BlockHeader &h = block.header;
    h.chainId = m_ctx.id();
    h.height = m_ctx.nextHeight();
    h.prevHash = m_ctx.hasBlocks() ? m_ctx.tip().hash() : crypto::Hash256{};
    h.timestampMs = std::max(m_loop.nowMs(), m_ctx.hasBlocks() ? m_ctx.tip().timestampMs : 0);
    h.billerId = m_self;
    QList<Transaction> derived = m_ctx.rules().derive(inputs, m_self, h.timestampMs);
    if (m_fault == Fault::ForgedTransaction) {
        Transaction forged;
        forged.kind = ledger::TxKind::Trade;
        forged.chainId = m_ctx.id();
        forged.sender = m_self;
        forged.timestampMs = h.timestampMs;
        forged.nonce = quint64(h.height);
        ledger::TradePayload trade;
        trade.buyer = m_self;
        trade.seller = m_self;
        trade.energyWh = 1000000;
        trade.priceMilliPerKwh = 1;
        forged.payload = trade.encode();
        derived.append(forged);
    }
    for (Transaction &d : derived)
        d.sign(m_key);
    block.txs = inputs + derived;
    block.seal();
    if (m_fault == Fault::WrongMerkleRoot)
        h.merkleRoot.bytes[0] ^= 0xff;
    h.signAsBiller(m_key);
    if (m_fault == Fault::BadSignature)
        h.billerSignature[0] = char(h.billerSignature[0] ^ 0x55);

    Proposal p;
    p.hash = h.hash();
    p.block = block;
    p.proposedAt = m_loop.now();
    p.acks.insert(m_self, m_key.sign(p.hash.toByteArray()));
    m_proposal = std::move(p);
    multicast(Message::make(MessageType::Proposal, m_ctx.id(), m_self, block));

    const crypto::Hash256 hash = m_proposal->hash;
    schedule(m_ctx.config().proposalTimeoutUs, [this, hash] {
        if (m_proposal && m_proposal->hash == hash) {
            qCDebug(lcConsensus) << m_self << "chain" << m_ctx.id() << "proposal timed out";
            m_proposal.reset();
        }
    });
    if (int(m_proposal->acks.size()) >= m_ctx.quorum())
        finalizeProposal();
}

QString ChainMember::checkProposal(const Block &block, const BlockMemo &memo) const
{
    const BlockHeader &h = block.header;
    const crypto::Hash256 expectedPrev = m_ctx.hasBlocks() ? m_ctx.tip().hash() : crypto::Hash256{};
    if (h.prevHash != expectedPrev)
        return QStringLiteral("previous hash does not match the tip");
    if (!crypto::verifyCached(m_ctx.directory().publicKey(h.billerId), memo.hash.toByteArray(), h.billerSignature))
        return QStringLiteral("bad biller signature");
    if (h.txCount != quint32(block.txs.size()))
        return QStringLiteral("transaction count %1 does not match the body (%2)").arg(h.txCount).arg(block.txs.size());
    if (h.merkleRoot != ledger::merkleRoot(memo.ids))
        return QStringLiteral("Merkle root does not match the body");
    if (m_ctx.hasBlocks() && h.timestampMs < m_ctx.tip().timestampMs)
        return QStringLiteral("timestamp goes backwards");

    // Inputs are what members' mempools would accept; the rest must be exactly what the rules
    // derive from those inputs.
    QList<Transaction> inputs;
    QList<Transaction> derived;
    QList<bool> derivedValid;
    QSet<crypto::Hash256> seen;
    for (qsizetype i = 0; i < block.txs.size(); ++i) {
        const Transaction &tx = block.txs[i];
        const crypto::Hash256 &id = memo.ids[i];
        if (seen.contains(id))
            return QStringLiteral("duplicate transaction %1").arg(id.shortHex());
        seen.insert(id);
        if (m_ctx.isFinal(id))
            return QStringLiteral("transaction %1 is already final").arg(id.shortHex());
        const bool isDerived = tx.sender == h.billerId && !m_ctx.rules().admit(tx).isEmpty();
        if (isDerived || !derived.isEmpty()) {
            derived.append(tx);
            derivedValid.append(memo.signatureValid[i]);
            continue;
        }
        if (tx.chainId != m_ctx.id())
            return QStringLiteral("transaction %1 belongs to chain %2").arg(id.shortHex()).arg(tx.chainId);
        if (!memo.signatureValid[i])
            return QStringLiteral("transaction %1 has a bad signature").arg(id.shortHex());
        if (QString why = m_ctx.rules().admit(tx); !why.isEmpty())
            return QStringLiteral("transaction %1 refused: %2").arg(id.shortHex(), why);
        inputs.append(tx);
    }
    const QList<Transaction> expected = m_ctx.rules().derive(inputs, h.billerId, h.timestampMs);
    if (expected.size() != derived.size())
        return QStringLiteral("block derives %1 transactions, the rules derive %2").arg(derived.size()).arg(expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        if (expected[i].id() != derived[i].id())
            return QStringLiteral("derived transaction %1 is not what the rules produce").arg(i);
        if (!derivedValid[i]) // derived transactions are the biller's: their sender is the biller
            return QStringLiteral("derived transaction %1 has a bad signature").arg(i);
    }
    return {};
}

void ChainMember::handleProposal(const Block &block, const NodeId &from, const BlockMemo &memo)
{
    const BlockHeader &h = block.header;
    if (h.chainId != m_ctx.id() || from != h.billerId || h.billerId != m_ctx.biller())
        return; // not from the biller we elected (stale or foreign)
    if (h.height != m_ctx.nextHeight())
        return; // stale, or we are behind (the final chain is shared in-process)
    if (isExcluded(h.billerId))
        return; // already rejected (or timed out) and being replaced: one failover per biller, or
                // a faulty biller proposing on every arrival would restart the election forever

    const crypto::Hash256 hash = memo.hash;
    if (m_seenProposals.size() >= MaxSeenProposals)
        m_seenProposals.clear();
    m_seenProposals.insert(hash, block);

    BlockVote vote;
    vote.chainId = m_ctx.id();
    vote.height = h.height;
    vote.blockHash = hash;
    vote.voter = m_self;
    const QString problem = checkProposal(block, memo);
    if (problem.isEmpty()) {
        vote.accept = true;
        vote.signature = m_key.sign(hash.toByteArray());
        sendTo(h.billerId, Message::make(MessageType::Vote, m_ctx.id(), m_self, vote));
        m_lastProgressAt = m_loop.now();
        return;
    }
    vote.accept = false;
    vote.reason = problem;
    vote.signature = m_key.sign(vote.signingBytes());
    sendTo(h.billerId, Message::make(MessageType::Vote, m_ctx.id(), m_self, vote));
    if (m_ctx.onRejectedBlock)
        m_ctx.onRejectedBlock(m_self, h.billerId, problem);
    // A biller that proposes an invalid block is replaced: elect again without it.
    exclude(h.billerId);
    failover(QStringLiteral("rejected block from %1: %2").arg(h.billerId, problem));
}

void ChainMember::handleVote(const BlockVote &vote)
{
    if (!m_proposal || vote.blockHash != m_proposal->hash || vote.chainId != m_ctx.id())
        return;
    if (!m_ctx.isMember(vote.voter) || !m_ctx.directory().isActive(vote.voter))
        return;
    if (m_proposal->acks.contains(vote.voter) || m_proposal->rejects.contains(vote.voter))
        return;
    const QByteArray key = m_ctx.directory().publicKey(vote.voter);
    if (vote.accept) {
        if (!crypto::verifyCached(key, vote.blockHash.toByteArray(), vote.signature))
            return;
        m_proposal->acks.insert(vote.voter, vote.signature);
    } else {
        if (!crypto::verifyCached(key, vote.signingBytes(), vote.signature))
            return;
        m_proposal->rejects.insert(vote.voter);
    }
    const int quorum = m_ctx.quorum();
    if (int(m_proposal->acks.size()) >= quorum)
        finalizeProposal();
    else if (int(m_proposal->rejects.size()) > int(m_ctx.activeMembers().size()) - quorum)
        m_proposal.reset(); // can no longer reach a quorum
}

void ChainMember::finalizeProposal()
{
    Proposal p = std::move(*m_proposal);
    m_proposal.reset();
    QList<NodeId> signers = p.acks.keys();
    std::sort(signers.begin(), signers.end());
    for (const NodeId &id : signers)
        p.block.header.acks.append(ledger::BlockAck{id, p.acks.value(id)});
    if (Status s = m_ctx.applyFinal(p.block, m_loop.now()); !s.ok()) {
        qCWarning(lcConsensus) << m_self << "could not finalize:" << s.errorString();
        return;
    }
    removePending(p.block.txIds());
    m_lastBlockAt = m_loop.now();
    m_lastProgressAt = m_lastBlockAt;
    multicast(Message::make(MessageType::Final, m_ctx.id(), m_self, p.block.header));
    afterFinal(p.block.header.height);
}

void ChainMember::handleFinal(const BlockHeader &header, const SignersMemo &memo)
{
    if (header.chainId != m_ctx.id())
        return;
    const crypto::Hash256 &hash = memo.hash;
    // A quorum of valid acks from distinct members.
    int signers = 0;
    for (const NodeId &n : memo.validSigners)
        signers += m_ctx.isMember(n);
    if (signers < m_ctx.quorum())
        return;

    auto seen = m_seenProposals.constFind(hash);
    const bool applied = m_ctx.hasBlocks() && m_ctx.tip().height >= header.height;
    if (!applied && seen != m_seenProposals.cend() && header.height == m_ctx.nextHeight()) {
        // The biller runs in another process: this member commits the block itself.
        Block block = *seen;
        block.header.acks = header.acks;
        (void)m_ctx.applyFinal(block, m_loop.now());
    }
    if (seen != m_seenProposals.cend()) {
        removePending(seen->txIds());
        m_seenProposals.remove(hash);
    } else {
        removePending(m_ctx.recentFinalTxIds(header.height));
    }
    m_lastProgressAt = m_loop.now();
    afterFinal(header.height);
}

void ChainMember::afterFinal(quint64 height)
{
    if (m_ctx.config().rotation == RotationPolicy::EveryBlock)
        startElection(roundAfterHeight(height));
    else if (isBiller())
        maybePropose(false);
}

void ChainMember::watchdog()
{
    if (m_fault == Fault::Silent || !m_ctx.isMember(m_self))
        return;
    const TimeUs now = m_loop.now();
    const TimeUs timeout = m_ctx.config().billerTimeoutUs;
    if (m_electionOpen)
        return;
    if (m_ctx.biller().isEmpty()) {
        failover(QStringLiteral("no biller"));
        return;
    }
    if (isBiller() || m_pending.empty())
        return;
    // The mempool is ordered by timestamp, which follows arrival closely: a cheap first look.
    if (now - m_pending.begin()->second.arrivedAt <= timeout / 2)
        return;
    pruneFinal(); // something looks stale: drop what became final while we were not looking
    TimeUs oldest = now;
    for (const auto &[key, p] : m_pending)
        oldest = std::min(oldest, p.arrivedAt);
    if (now - oldest <= timeout / 2)
        return;
    // Old work the biller has not included: maybe it never got it (it joined the chain later, or
    // the message was lost). Forward it first; suspect the biller only if it then stays silent.
    if (m_lastForwardAt < oldest || now - m_lastForwardAt > timeout) {
        m_lastForwardAt = now;
        int forwarded = 0;
        for (const auto &[key, p] : m_pending) {
            if (p.arrivedAt > now - timeout / 2 || ++forwarded > m_ctx.config().maxTxPerBlock)
                break;
            sendTo(m_ctx.biller(), Message::make(MessageType::Transaction, m_ctx.id(), m_self, p.tx));
        }
        return;
    }
    const TimeUs lastProgress = std::max(m_lastProgressAt, m_ctx.lastFinalAt());
    if (now - oldest > timeout && now - lastProgress > timeout && now - m_lastForwardAt >= timeout / 2) {
        const NodeId silent = m_ctx.biller();
        exclude(silent);
        if (m_ctx.onBillerTimeout)
            m_ctx.onBillerTimeout(silent);
        failover(QStringLiteral("biller %1 silent for %2 ms").arg(silent).arg((now - lastProgress) / 1000));
    }
}

} // namespace mg::consensus
