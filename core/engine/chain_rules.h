#pragma once

#include "core/consensus/chain_context.h"
#include "core/market/market_state.h"

#include <memory>

namespace mg::engine {

using consensus::NodeId;

// What a sub-chain accepts: orders, cancels and meter readings from its active members, checked
// by its market (and, in the single-layer baseline where there is no parent chain, the governance
// and evidence that would otherwise go there). Its blocks derive the market's trades and
// settlements.
class SubChainRules : public consensus::ChainRules
{
public:
    SubChainRules(bool carriesGovernance, std::unique_ptr<market::MarketState> market)
        : m_carriesGovernance(carriesGovernance), m_market(std::move(market)) {}
    // The context is created after its rules (it holds a reference to them).
    void setContext(const consensus::ChainContext *context) { m_context = context; }

    QString admit(const ledger::Transaction &tx) const override;
    QList<ledger::Transaction> derive(const QList<ledger::Transaction> &inputs, const NodeId &biller,
                                      qint64 blockTimestampMs) const override;
    void applyFinal(const ledger::Block &block) override;

    const market::MarketState &market() const { return *m_market; }
    market::MarketState &market() { return *m_market; }

private:
    const consensus::ChainContext *m_context = nullptr;
    bool m_carriesGovernance;
    std::unique_ptr<market::MarketState> m_market;
};

// The parent chain: anchors, biller changes, governance, regulator actions and evidence, from any
// node that is not evicted.
class ParentChainRules : public consensus::ChainRules
{
public:
    explicit ParentChainRules(const consensus::Directory &directory) : m_directory(directory) {}
    QString admit(const ledger::Transaction &tx) const override;

private:
    const consensus::Directory &m_directory;
};

} // namespace mg::engine
