#include "core/consensus/governance.h"

#include "core/ledger/encoding.h"

#include <algorithm>

namespace mg::consensus {

using Action = ledger::GovernancePayload::Action;

QString governanceStageName(Governance::Stage stage)
{
    switch (stage) {
    case Governance::Stage::SubChainVote: return QStringLiteral("sub-chain vote");
    case Governance::Stage::ParentVote: return QStringLiteral("parent vote");
    case Governance::Stage::Approved: return QStringLiteral("approved");
    case Governance::Stage::Rejected: return QStringLiteral("rejected");
    }
    return {};
}

Governance::Governance(Directory &directory, GovernanceConfig config, Hooks hooks)
    : m_directory(directory)
    , m_config(config)
    , m_hooks(std::move(hooks))
{
}

QByteArray Governance::joinData(const QByteArray &publicKey, const roster::NodeInfo &info)
{
    ledger::Writer w;
    w.u8(1);
    w.bytes(publicKey);
    w.bytes(roster::encodeAttributes(info));
    return w.take();
}

Result<std::pair<QByteArray, roster::NodeInfo>> Governance::parseJoinData(QByteArrayView data, const NodeId &id)
{
    ledger::Reader r(data, QStringLiteral("join request"));
    const quint8 version = r.u8("version");
    if (r.ok() && version != 1)
        r.fail("version", QStringLiteral("unsupported version %1").arg(version));
    QByteArray key = r.bytes("public_key", crypto::PublicKeySize);
    const QByteArray attributes = r.bytes("attributes", 4096);
    if (Status s = r.finish(); !s.ok())
        return s.error();
    if (key.size() != crypto::PublicKeySize)
        return Error{QStringLiteral("decode.invalid"), QStringLiteral("join request: public key must be 32 bytes")};
    auto info = roster::decodeAttributes(attributes, id);
    if (!info.ok())
        return info.error();
    return std::make_pair(key, info.value());
}

QByteArray Governance::voteData(bool approve)
{
    return QByteArray(1, approve ? '\1' : '\0');
}

void Governance::apply(const ledger::Block &block)
{
    for (const ledger::Transaction &tx : block.txs) {
        if (tx.kind == ledger::TxKind::Governance) {
            applyTx(tx, block.header.timestampMs);
        } else if (tx.kind == ledger::TxKind::RegulatorAction) {
            auto p = ledger::RegulatorActionPayload::decode(tx.payload);
            if (p.ok() && m_directory.isRegulator(tx.sender))
                regulate(tx, p.value(), block.header.timestampMs);
        } else if (tx.kind == ledger::TxKind::BillerChange) {
            auto change = ledger::BillerChangePayload::decode(tx.payload);
            if (change.ok() && change->newBiller == tx.sender && change->chainId != ledger::ParentChainId)
                m_billers[change->chainId] = change->newBiller;
        }
    }
}

void Governance::applyTx(const ledger::Transaction &tx, qint64 whenMs)
{
    auto p = ledger::GovernancePayload::decode(tx.payload);
    if (!p.ok())
        return; // members refused it already; nothing to apply
    switch (p->action) {
    case Action::JoinRequest:
    case Action::Kick:
    case Action::Suspend:
    case Action::Unsuspend:
        open(tx, p.value(), whenMs);
        break;
    case Action::Vote:
        vote(tx, p.value(), whenMs);
        break;
    case Action::Assign:
    case Action::SetWeights:
    case Action::SetRules:
        break; // recorded outcomes; applied where they are decided
    }
}

void Governance::open(const ledger::Transaction &tx, const ledger::GovernancePayload &gp, qint64 whenMs)
{
    Proposal p;
    p.id = tx.id();
    p.action = gp.action;
    p.subject = gp.subject;
    p.proposer = tx.sender;
    p.reason = gp.reason;
    p.createdMs = whenMs;
    if (gp.action == Action::JoinRequest) {
        if (gp.subject != tx.sender)
            return; // a node asks to join only for itself
        auto parsed = parseJoinData(gp.data, gp.subject);
        const Directory::Entry *known = m_directory.find(gp.subject);
        if (!parsed.ok() || (known && known->info.state != roster::MembershipState::Pending))
            return;
        if (!known) { // a node hosted elsewhere (or a replay): learn it from its request
            Directory::Entry e;
            e.info = parsed->second;
            e.info.id = gp.subject;
            e.info.state = roster::MembershipState::Pending;
            e.publicKey = parsed->first;
            m_directory.add(e);
        }
        p.targetChain = m_hooks.placeJoiner ? m_hooks.placeJoiner(parsed->second) : 0;
    } else {
        const Directory::Entry *subject = m_directory.find(gp.subject);
        if (!subject || subject->info.state == roster::MembershipState::Evicted)
            return;
        p.targetChain = subject->chainId;
    }
    m_order.append(p.id);
    auto &stored = m_proposals[p.id] = p;
    if (stored.targetChain == 0) { // nowhere to go: no sub-chain has room
        stored.stage = Stage::Rejected;
        stored.decidedMs = whenMs;
        if (m_hooks.onDecided)
            m_hooks.onDecided(stored);
        return;
    }
    if (m_hooks.onOpened)
        m_hooks.onOpened(stored);
}

QList<NodeId> Governance::parentMembers() const
{
    QList<NodeId> members;
    for (const auto &[chain, biller] : m_billers)
        if (!members.contains(biller))
            members.append(biller);
    for (const NodeId &r : m_directory.regulators())
        if (!members.contains(r) && m_directory.isActive(r))
            members.append(r);
    std::sort(members.begin(), members.end());
    return members;
}

QList<NodeId> Governance::voters(const Proposal &p) const
{
    QList<NodeId> all = p.stage == Stage::SubChainVote ? m_hooks.members(p.targetChain) : parentMembers();
    QList<NodeId> eligible;
    for (const NodeId &n : all)
        if (n != p.subject && m_directory.isActive(n))
            eligible.append(n);
    return eligible;
}

void Governance::vote(const ledger::Transaction &tx, const ledger::GovernancePayload &gp, qint64 whenMs)
{
    auto it = m_proposals.find(gp.proposalId);
    if (it == m_proposals.end() || gp.data.size() != 1)
        return;
    castVote(it->second, tx.sender, gp.data.at(0) != 0, whenMs);
}

void Governance::castVote(Proposal &p, const NodeId &voter, bool approve, qint64 whenMs)
{
    if (p.stage == Stage::Approved || p.stage == Stage::Rejected)
        return;
    if (!voters(p).contains(voter))
        return; // only the current stage's voters count
    p.yes.remove(voter);
    p.no.remove(voter);
    (approve ? p.yes : p.no).insert(voter);
    tally(p, whenMs);
}

// Weak centralization: a regulator acts at once on node states, opens kick proposals straight at
// the parent vote, approves joins with its vote and can veto them; the rest goes to the engine.
void Governance::regulate(const ledger::Transaction &tx, const ledger::RegulatorActionPayload &ra, qint64 whenMs)
{
    using RA = ledger::RegulatorActionPayload::Action;
    switch (ra.action) {
    case RA::Suspend:
    case RA::Unsuspend: {
        const Directory::Entry *e = m_directory.find(ra.subject);
        if (!e || e->info.state == roster::MembershipState::Evicted || e->regulator)
            return;
        m_directory.setState(ra.subject, ra.action == RA::Suspend ? roster::MembershipState::Suspended : roster::MembershipState::Active);
        if (m_hooks.onStateChanged)
            m_hooks.onStateChanged(ra.subject);
        return;
    }
    case RA::ProposeKick: {
        const Directory::Entry *e = m_directory.find(ra.subject);
        if (!e || e->info.state == roster::MembershipState::Evicted || e->regulator)
            return;
        Proposal p;
        p.id = tx.id();
        p.action = Action::Kick;
        p.subject = ra.subject;
        p.proposer = tx.sender;
        p.reason = ra.reason;
        p.createdMs = whenMs;
        p.targetChain = e->chainId;
        p.stage = Stage::ParentVote; // proposed by the regulator: the parent members decide
        m_order.append(p.id);
        Proposal &stored = m_proposals[p.id] = p;
        if (m_hooks.onOpened)
            m_hooks.onOpened(stored);
        castVote(stored, tx.sender, true, whenMs);
        return;
    }
    case RA::ApproveJoin:
    case RA::RejectJoin:
    case RA::Vote: {
        auto it = m_proposals.find(ra.target);
        if (it == m_proposals.end())
            return;
        Proposal &p = it->second;
        if (ra.action == RA::RejectJoin) {
            if (p.action == Action::JoinRequest && p.stage != Stage::Approved && p.stage != Stage::Rejected) {
                p.reason = ra.reason;
                decide(p, Stage::Rejected, whenMs); // the regulator's veto
            }
            return;
        }
        const bool approve = ra.action == RA::ApproveJoin || (ra.data.size() == 1 && ra.data.at(0) != 0);
        if (p.stage == Stage::SubChainVote && ra.action == RA::ApproveJoin)
            p.regulatorApproved = true; // counted when the parent vote opens
        castVote(p, tx.sender, approve, whenMs);
        return;
    }
    case RA::HaltTrade:
    case RA::SetRules:
    case RA::SetWeights:
        if (m_hooks.onRegulatorAction)
            m_hooks.onRegulatorAction(tx, ra, whenMs);
        return;
    }
}

void Governance::tally(Proposal &p, qint64 whenMs)
{
    const QList<NodeId> eligible = voters(p);
    const double threshold = p.stage == Stage::SubChainVote ? m_config.subChainThreshold : m_config.parentThreshold;
    const int needed = int(double(eligible.size()) * threshold) + 1; // strictly more than the share
    int yes = 0, no = 0;
    for (const NodeId &n : eligible) {
        yes += p.yes.contains(n);
        no += p.no.contains(n);
    }
    if (yes >= needed) {
        if (p.stage == Stage::SubChainVote) {
            p.stage = Stage::ParentVote;
            p.yes.clear();
            p.no.clear();
            if (p.regulatorApproved)
                for (const NodeId &r : m_directory.regulators())
                    p.yes.insert(r);
            if (m_hooks.onOpened)
                m_hooks.onOpened(p);
            tally(p, whenMs);
            return;
        }
        decide(p, Stage::Approved, whenMs);
    } else if (int(eligible.size()) - no < needed) {
        decide(p, Stage::Rejected, whenMs);
    }
}

void Governance::decide(Proposal &p, Stage stage, qint64 whenMs)
{
    p.stage = stage;
    p.decidedMs = whenMs;
    if (p.stage == Stage::Approved) {
        switch (p.action) {
        case Action::Kick: m_directory.setState(p.subject, roster::MembershipState::Evicted); break;
        case Action::Suspend: m_directory.setState(p.subject, roster::MembershipState::Suspended); break;
        case Action::Unsuspend: m_directory.setState(p.subject, roster::MembershipState::Active); break;
        default: break; // joins are assigned by the engine (it owns chains and nodes)
        }
    }
    if (m_hooks.onDecided)
        m_hooks.onDecided(p);
}

const Governance::Proposal *Governance::proposal(const crypto::Hash256 &id) const
{
    auto it = m_proposals.find(id);
    return it == m_proposals.end() ? nullptr : &it->second;
}

QList<Governance::Proposal> Governance::proposals() const
{
    QList<Proposal> list;
    for (const crypto::Hash256 &id : m_order)
        list.append(m_proposals.at(id));
    return list;
}

} // namespace mg::consensus
