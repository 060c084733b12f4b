#include "core/engine/violation_injector.h"

#include "core/market/market_state.h"

#include <algorithm>

namespace mg::engine {

using regulator::HaltReason;

namespace {
const QList<HaltReason> Kinds{HaltReason::PriceBand, HaltReason::TradeSize, HaltReason::ExportLimit,
                              HaltReason::FeederCapacity, HaltReason::InactiveParty, HaltReason::RenewableMismatch,
                              HaltReason::SelfTrade};
}

ViolationInjector::ViolationInjector(Engine &engine)
    : m_engine(engine)
{
}

void ViolationInjector::schedule(int count, net::TimeUs startDelayUs, net::TimeUs spanUs)
{
    for (int i = 0; i < count; ++i) {
        const net::TimeUs at = startDelayUs + (count > 1 ? spanUs * i / count : 0);
        m_engine.loop().schedule(at, [this] {
            const qint64 slot = m_engine.scenario().market.slotOf(m_engine.loop().nowMs()) + m_nextSlotOffset++;
            for (int tries = 0; tries < Kinds.size(); ++tries) {
                const HaltReason kind = Kinds[m_nextKind++ % Kinds.size()];
                if (inject(kind, slot))
                    return;
            }
        });
    }
}

qint64 ViolationInjector::maxEnergyWh(const NodeId &node) const
{
    const auto *e = m_engine.directory().find(node);
    return e ? qint64(e->info.capacityKw * 1000.0 * double(m_engine.scenario().market.slotMs) / 3600000.0) : 0;
}

QList<NodeId> ViolationInjector::membersByCapacity(ChainId chain) const
{
    QList<NodeId> members;
    if (const consensus::ChainContext *ctx = m_engine.chain(chain))
        for (const NodeId &m : ctx->members())
            if (m_engine.directory().isActive(m) && m_engine.node(m) && !m_engine.node(m)->isDown())
                members.append(m);
    std::stable_sort(members.begin(), members.end(), [this](const NodeId &a, const NodeId &b) { return maxEnergyWh(a) > maxEnergyWh(b); });
    return members;
}

std::optional<crypto::Hash256> ViolationInjector::order(const NodeId &node, ledger::Side side, qint64 energyWh, qint64 price,
                                                        qint64 slot, bool renewableOnly, const crypto::Hash256 &accepts)
{
    consensus::Node *n = m_engine.node(node);
    if (!n)
        return std::nullopt;
    const market::MarketConfig &mc = m_engine.scenario().market;
    ledger::OrderPayload p;
    p.side = side;
    p.energyWh = energyWh;
    p.priceMilliPerKwh = price;
    p.renewableOnly = renewableOnly;
    p.deliverySlot = slot;
    p.expiresAtMs = mc.slotStartMs(slot);
    p.acceptsOrderId = accepts;
    ledger::Transaction tx;
    tx.kind = ledger::TxKind::Order;
    tx.chainId = m_engine.chainOf(node);
    tx.sender = node;
    tx.timestampMs = m_engine.loop().nowMs();
    tx.nonce = quint64(m_engine.loop().now()) ^ quint64(m_injectedOrders.size()) << 48;
    tx.payload = p.encode();
    tx.sign(n->key());
    if (!m_engine.submit(tx).ok())
        return std::nullopt;
    m_injectedOrders.insert(tx.id());
    return tx.id();
}

void ViolationInjector::pair(const NodeId &rester, ledger::Side restSide, const NodeId &acceptor, qint64 energyWh,
                             qint64 restPrice, qint64 acceptPrice, qint64 slot, HaltReason kind, bool renewableOnly,
                             net::TimeUs acceptDelayUs)
{
    const auto resting = order(rester, restSide, energyWh, restPrice, slot, renewableOnly && restSide == ledger::Side::Buy);
    if (!resting)
        return;
    const ledger::Side other = restSide == ledger::Side::Buy ? ledger::Side::Sell : ledger::Side::Buy;
    const crypto::Hash256 target = *resting;
    const int index = int(m_violations.size());
    if (kind != HaltReason::None)
        m_violations.append(Violation{kind, {}});
    m_engine.loop().schedule(acceptDelayUs, [=, this] {
        const auto accepting = order(acceptor, other, energyWh, acceptPrice, slot, false, target);
        if (accepting && kind != HaltReason::None)
            m_violations[index].acceptingOrder = *accepting;
    });
}

bool ViolationInjector::inject(HaltReason kind, qint64 slot)
{
    const regulator::Rules &rules = m_engine.rules().current();
    // Every violation happens on one sub-chain: the first with enough live members.
    for (ChainId chain : m_engine.chainIds()) {
        if (!m_engine.market(chain))
            continue;
        const QList<NodeId> members = membersByCapacity(chain);
        if (members.size() < 3)
            continue;
        const auto renewable = [this](const NodeId &n) { return m_engine.directory().find(n)->info.renewable; };
        const qint64 inBand = (rules.minPrice + rules.maxPrice) / 2;
        const NodeId big = members[0], second = members[1], third = members[2];
        switch (kind) {
        case HaltReason::PriceBand: {
            const qint64 high = m_engine.scenario().market.gridTariff;
            if (high <= rules.maxPrice)
                return false; // the band is the whole tariff range: nothing admissible breaks it
            pair(big, ledger::Side::Sell, second, 1000, high, high, slot, kind);
            return true;
        }
        case HaltReason::TradeSize: {
            const qint64 wh = rules.maxTradeWh + 500;
            if (maxEnergyWh(big) < wh || maxEnergyWh(second) < wh)
                continue;
            pair(big, ledger::Side::Sell, second, wh, inBand, inBand, slot, kind);
            return true;
        }
        case HaltReason::ExportLimit: {
            // Two sells that each fit the seller's capacity but together exceed it.
            const qint64 part = maxEnergyWh(big) * 6 / 10;
            if (part <= 0 || part > rules.maxTradeWh || maxEnergyWh(second) < part || maxEnergyWh(third) < part)
                continue;
            pair(big, ledger::Side::Sell, second, part, inBand, inBand, slot, HaltReason::None);
            pair(big, ledger::Side::Sell, third, part, inBand, inBand, slot, kind, false, 5 * net::UsPerSecond);
            return true;
        }
        case HaltReason::FeederCapacity: {
            // Compliant trades up to the feeder's limit, then one more that crosses it.
            regulator::Inspector probe(rules, m_engine.directory(), m_engine.chain(chain)->members(), m_engine.scenario().market.slotMs);
            const qint64 limit = probe.feederLimitWh();
            qint64 total = 0;
            QList<std::pair<NodeId, qint64>> sellers;
            for (const NodeId &m : members) {
                const qint64 wh = std::min(maxEnergyWh(m) * 9 / 10, rules.maxTradeWh);
                if (wh > 0)
                    sellers.append({m, wh});
            }
            qint64 capacity = 0;
            for (const auto &[m, wh] : sellers)
                capacity += wh;
            if (capacity <= limit)
                continue;
            int i = 0;
            for (const auto &[seller, wh] : sellers) {
                const NodeId buyer = seller == big ? second : big; // the biggest nodes can take it
                const bool crosses = total + wh > limit;
                pair(seller, ledger::Side::Sell, buyer, wh, inBand, inBand, slot, crosses ? kind : HaltReason::None, false,
                     (3 + 2 * i) * net::UsPerSecond);
                total += wh;
                ++i;
                if (crosses)
                    break;
            }
            return true;
        }
        case HaltReason::InactiveParty: {
            const std::optional<NodeId> regulatorNode = m_engine.directory().regulators().isEmpty()
                ? std::nullopt : std::optional<NodeId>(m_engine.directory().regulators().first());
            if (!regulatorNode)
                return false;
            // The seller's order rests, the regulator suspends it, a buyer accepts, the regulator lifts it.
            // Not the biller: suspending it would replace it, which is beside the point here.
            if (third == m_engine.chain(chain)->biller())
                continue;
            pair(third, ledger::Side::Sell, second, 500, inBand, inBand, slot, kind, false, 6 * net::UsPerSecond);
            const NodeId reg = *regulatorNode;
            m_engine.loop().schedule(2 * net::UsPerSecond, [=, this] {
                (void)m_engine.regulateAs(reg, ledger::RegulatorActionPayload::Action::Suspend, third, {},
                                          QStringLiteral("injected violation: suspend a party with a resting order"));
            });
            m_engine.loop().schedule(12 * net::UsPerSecond, [=, this] {
                (void)m_engine.regulateAs(reg, ledger::RegulatorActionPayload::Action::Unsuspend, third, {},
                                          QStringLiteral("injected violation done: lift the suspension"));
            });
            return true;
        }
        case HaltReason::RenewableMismatch: {
            auto seller = std::find_if(members.cbegin(), members.cend(), [&](const NodeId &n) { return !renewable(n); });
            if (seller == members.cend())
                continue;
            const NodeId buyer = *seller == big ? second : big;
            pair(buyer, ledger::Side::Buy, *seller, 500, inBand, inBand, slot, kind, true);
            return true;
        }
        case HaltReason::SelfTrade:
            pair(big, ledger::Side::Buy, big, 500, inBand, inBand, slot, kind);
            return true;
        default:
            return false;
        }
    }
    return false;
}

ViolationInjector::Report ViolationInjector::report() const
{
    Report r;
    std::map<crypto::Hash256, std::pair<ledger::TradePayload::Status, quint16>> trades; // by order id
    for (ChainId chain : m_engine.chainIds()) {
        const market::MarketState *m = m_engine.market(chain);
        if (!m)
            continue;
        for (const auto &[id, c] : m->contracts()) {
            const bool halted = c.trade.status == ledger::TradePayload::Status::Halted;
            if (halted)
                ++r.haltedByReason[HaltReason(c.trade.haltReason)];
            for (const crypto::Hash256 &orderId : {c.trade.buyOrderId, c.trade.sellOrderId})
                trades[orderId] = {c.trade.status, c.trade.haltReason};
            if (halted && !m_injectedOrders.contains(c.trade.buyOrderId) && !m_injectedOrders.contains(c.trade.sellOrderId))
                ++r.falsePositives;
        }
    }
    for (const Violation &v : m_violations) {
        ++r.injected;
        ++r.injectedByReason[v.kind];
        auto it = v.acceptingOrder.isNull() ? trades.end() : trades.find(v.acceptingOrder);
        if (it == trades.end())
            ++r.pending;
        else if (it->second.first == ledger::TradePayload::Status::Halted && HaltReason(it->second.second) == v.kind)
            ++r.caught;
        else
            ++r.missed;
    }
    return r;
}

} // namespace mg::engine
