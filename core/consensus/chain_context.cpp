#include "core/consensus/chain_context.h"

#include <algorithm>

namespace mg::consensus {

ChainContext::ChainContext(ChainId id, bool isParent, const ConsensusConfig &config, Directory &directory, ChainRules &rules)
    : m_id(id)
    , m_isParent(isParent)
    , m_config(config)
    , m_directory(directory)
    , m_rules(rules)
{
}

void ChainContext::setMembers(QList<NodeId> members)
{
    std::sort(members.begin(), members.end());
    members.erase(std::unique(members.begin(), members.end()), members.end());
    m_members = std::move(members);
    m_memberSet = QSet<NodeId>(m_members.cbegin(), m_members.cend());
    m_activeVersion = ~quint64(0);
}

const QList<NodeId> &ChainContext::activeMembers() const
{
    if (m_activeVersion != m_directory.version()) {
        m_active.clear();
        for (const NodeId &m : m_members)
            if (m_directory.isActive(m))
                m_active.append(m);
        m_activeVersion = m_directory.version();
    }
    return m_active;
}

bool ChainContext::isEligible(const NodeId &id) const
{
    if (!isMember(id) || !m_directory.isActive(id))
        return false;
    if (m_isParent)
        return true;
    const Directory::Entry *e = m_directory.find(id);
    return e && e->info.isGenerator();
}

bool ChainContext::applyElection(const ledger::BillerChangePayload &result)
{
    if (m_hasElection && result.round <= m_billerRound)
        return false;
    const NodeId previous = m_biller;
    m_hasElection = true;
    m_biller = result.newBiller;
    m_billerRound = result.round;
    ++m_elections;
    if (onBillerChanged && previous != m_biller)
        onBillerChanged(result, previous);
    return true;
}

Status ChainContext::applyFinal(const ledger::Block &block, net::TimeUs now)
{
    const ledger::BlockHeader &h = block.header;
    if (h.chainId != m_id || h.height != nextHeight() || (m_hasTip && h.prevHash != m_tip.hash()))
        return Status::fail(QStringLiteral("chain.not_contiguous"),
                            QStringLiteral("chain %1: block %2 does not extend the tip").arg(m_id).arg(h.height));
    m_tip = h;
    m_hasTip = true;
    m_lastFinalAt = now;
    QList<crypto::Hash256> ids = block.txIds();
    for (const crypto::Hash256 &id : ids)
        m_finalTx.insert(id);
    m_finalTxCount += quint64(ids.size());
    m_recentFinal.emplace(h.height, std::move(ids));
    while (m_recentFinal.size() > 16)
        m_recentFinal.erase(m_recentFinal.begin());
    m_rules.applyFinal(block);
    if (onFinal)
        onFinal(block);
    return okStatus();
}

QList<crypto::Hash256> ChainContext::recentFinalTxIds(quint64 height) const
{
    auto it = m_recentFinal.find(height);
    return it == m_recentFinal.end() ? QList<crypto::Hash256>() : it->second;
}

void ChainContext::restoreTip(const ledger::BlockHeader &tip, const QList<crypto::Hash256> &recentTxIds)
{
    m_tip = tip;
    m_hasTip = true;
    for (const crypto::Hash256 &id : recentTxIds)
        m_finalTx.insert(id);
}

QString rotationPolicyName(RotationPolicy policy)
{
    return policy == RotationPolicy::EveryBlock ? QStringLiteral("every-block") : QStringLiteral("on-failure");
}

} // namespace mg::consensus
