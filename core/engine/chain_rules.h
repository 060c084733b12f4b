#pragma once

#include "core/consensus/chain_context.h"

namespace mg::engine {

// What a sub-chain's mempool accepts: orders and cancels from its active members (and, in the
// single-layer baseline where there is no parent chain, the governance and evidence that would
// otherwise go there).
class SubChainRules : public consensus::ChainRules
{
public:
    explicit SubChainRules(bool carriesGovernance) : m_carriesGovernance(carriesGovernance) {}
    // The context is created after its rules (it holds a reference to them).
    void setContext(const consensus::ChainContext *context) { m_context = context; }

    QString admit(const ledger::Transaction &tx) const override;

private:
    const consensus::ChainContext *m_context = nullptr;
    bool m_carriesGovernance;
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
