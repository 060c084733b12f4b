#include "core/grid/agent.h"

#include "core/grid/profiles.h"

#include <cmath>

namespace mg::grid {

ProsumerAgent::ProsumerAgent(roster::NodeInfo node, quint64 seed, market::MarketConfig config)
    : m_node(std::move(node))
    , m_seed(seed)
    , m_config(config)
{
    if (m_node.isStorage() && m_node.capacityKw > 0) {
        const qint64 powerW = std::llround(m_node.capacityKw * 1000.0);
        m_storage.emplace(2 * powerW, powerW, powerW); // 2 h of capacity, half full
    }
    m_renewableOnly = m_node.isConsumer()
        && seededUnit(m_seed, m_node.id, SeedStream::RenewablePreference, 0) < 0.2;
}

qint64 ProsumerAgent::forecastNetWh(qint64 slot) const
{
    const qint64 start = m_config.slotStartMs(slot);
    qint64 net = pvGenerationWh(m_node, start, m_config.slotMs, m_seed, true)
        - householdLoadWh(m_node, start, m_config.slotMs, m_seed, true);
    if (m_storage) {
        Storage battery = *m_storage; // planning does not move the real battery
        net -= net > 0 ? battery.absorb(net, m_config.slotMs) : -battery.supply(-net, m_config.slotMs);
    }
    return net;
}

std::optional<ledger::OrderPayload> ProsumerAgent::planOrder(qint64 slot) const
{
    const qint64 net = forecastNetWh(slot);
    if (std::abs(net) <= MinOrderWh)
        return std::nullopt;

    ledger::OrderPayload order;
    order.side = net > 0 ? ledger::Side::Sell : ledger::Side::Buy;
    order.energyWh = std::min<qint64>(std::abs(net), m_config.maxOrderWh);
    const bool sell = order.side == ledger::Side::Sell;
    const double u = sell ? 0.2 + 0.4 * seededUnit(m_seed, m_node.id, SeedStream::SellPrice, slot)
                          : 0.4 + 0.4 * seededUnit(m_seed, m_node.id, SeedStream::BuyPrice, slot);
    const qint64 band = m_config.gridTariff - m_config.feedInTariff;
    order.priceMilliPerKwh = m_config.feedInTariff + std::llround(double(band) * u);
    order.renewableOnly = !sell && m_renewableOnly;
    order.deliverySlot = slot;
    order.expiresAtMs = m_config.slotStartMs(slot);
    return order;
}

market::MeterReading ProsumerAgent::meter(qint64 slot)
{
    const qint64 start = m_config.slotStartMs(slot);
    market::MeterReading reading;
    reading.node = m_node.id;
    reading.slot = slot;
    reading.generatedWh = pvGenerationWh(m_node, start, m_config.slotMs, m_seed);
    reading.consumedWh = householdLoadWh(m_node, start, m_config.slotMs, m_seed);
    if (m_storage) {
        const qint64 net = reading.generatedWh - reading.consumedWh;
        if (net > 0)
            reading.consumedWh += m_storage->absorb(net, m_config.slotMs);
        else if (net < 0)
            reading.generatedWh += -m_storage->supply(-net, m_config.slotMs);
    }
    return reading;
}

} // namespace mg::grid
