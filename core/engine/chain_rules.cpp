#include "core/engine/chain_rules.h"

namespace mg::engine {

using ledger::TxKind;

namespace {
bool isGovernanceKind(TxKind kind)
{
    return kind == TxKind::Governance || kind == TxKind::RegulatorAction || kind == TxKind::BillerChange
        || kind == TxKind::Ack || kind == TxKind::Anchor;
}
} // namespace

QString SubChainRules::admit(const ledger::Transaction &tx) const
{
    const bool market = tx.kind == TxKind::Order || tx.kind == TxKind::Cancel || tx.kind == TxKind::MeterReading;
    if (!market && !(m_carriesGovernance && isGovernanceKind(tx.kind) && tx.kind != TxKind::Anchor))
        return QStringLiteral("%1 transactions are not accepted on a sub-chain").arg(ledger::txKindName(tx.kind));
    if (!m_context->directory().find(tx.sender))
        return QStringLiteral("unknown node %1").arg(tx.sender);
    if (market && !m_context->isMember(tx.sender))
        return QStringLiteral("node %1 is not a member of chain %2").arg(tx.sender).arg(m_context->id());
    const auto *entry = m_context->directory().find(tx.sender);
    // Governance may come from a pending node (its own join request); trading needs an active one.
    const bool allowed = market ? entry->info.state == roster::MembershipState::Active
                                : entry->info.state != roster::MembershipState::Evicted;
    if (!allowed)
        return QStringLiteral("node %1 is %2").arg(tx.sender, roster::membershipStateName(entry->info.state));
    return market ? m_market->check(tx) : QString();
}

QList<ledger::Transaction> SubChainRules::derive(const QList<ledger::Transaction> &inputs, const NodeId &biller,
                                                 qint64 blockTimestampMs) const
{
    return m_market->derive(inputs, biller, blockTimestampMs);
}

void SubChainRules::applyFinal(const ledger::Block &block)
{
    m_market->applyFinal(block);
}

QString ParentChainRules::admit(const ledger::Transaction &tx) const
{
    if (!isGovernanceKind(tx.kind))
        return QStringLiteral("%1 transactions are not accepted on the parent chain").arg(ledger::txKindName(tx.kind));
    const consensus::Directory::Entry *e = m_directory.find(tx.sender);
    if (!e)
        return QStringLiteral("unknown node %1").arg(tx.sender);
    if (tx.kind == TxKind::RegulatorAction && !e->regulator)
        return QStringLiteral("node %1 is not a regulator").arg(tx.sender);
    if (e->info.state == roster::MembershipState::Evicted)
        return QStringLiteral("node %1 is evicted").arg(tx.sender);
    return {};
}

} // namespace mg::engine
