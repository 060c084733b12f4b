#pragma once

#include "core/engine/engine.h"
#include "core/regulator/rules.h"

#include <map>

namespace mg::engine {

// Injects rule-breaking trades into a running engine and audits the regulator's verdicts, for
// `run --violations N`. Each violation is a crafted pair of orders in a delivery slot of its own,
// far enough ahead that no agent trades in it: one order rests, the other accepts it by id
// (OrderPayload::acceptsOrderId), so the pair trades exactly as crafted. Kinds rotate through
// every rule; a kind this roster cannot break (e.g. no node big enough for an oversized trade)
// is skipped and the next one is used.
class ViolationInjector
{
public:
    explicit ViolationInjector(Engine &engine);

    // Schedules `count` violations spread over [startDelayUs, startDelayUs + spanUs).
    void schedule(int count, net::TimeUs startDelayUs, net::TimeUs spanUs);

    struct Report
    {
        int injected = 0;
        int caught = 0;                 // the crafted trade was halted for the injected reason
        int missed = 0;                 // it traded, or was halted for another reason
        int pending = 0;                // not matched yet when the report was made
        int falsePositives = 0;         // halted trades with no injected order in them
        std::map<regulator::HaltReason, int> injectedByReason;
        std::map<regulator::HaltReason, int> haltedByReason; // all halted trades, by reason
    };
    Report report() const;

private:
    struct Violation
    {
        regulator::HaltReason kind = regulator::HaltReason::None;
        crypto::Hash256 acceptingOrder; // the order whose trade must be halted
    };

    bool inject(regulator::HaltReason kind, qint64 slot);
    std::optional<crypto::Hash256> order(const NodeId &node, ledger::Side side, qint64 energyWh, qint64 price,
                                         qint64 slot, bool renewableOnly = false, const crypto::Hash256 &accepts = {});
    // A resting order now, and its acceptance (returned) a few seconds later.
    void pair(const NodeId &rester, ledger::Side restSide, const NodeId &acceptor, qint64 energyWh, qint64 restPrice,
              qint64 acceptPrice, qint64 slot, regulator::HaltReason kind, bool renewableOnly = false,
              net::TimeUs acceptDelayUs = 3 * net::UsPerSecond);
    qint64 maxEnergyWh(const NodeId &node) const;
    QList<NodeId> membersByCapacity(ChainId chain) const;

    Engine &m_engine;
    QList<Violation> m_violations;
    QSet<crypto::Hash256> m_injectedOrders; // every order the injector made (setup trades included)
    int m_nextKind = 0;
    qint64 m_nextSlotOffset = 40;
};

} // namespace mg::engine
