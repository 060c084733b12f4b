#pragma once

#include "core/grid/storage.h"
#include "core/ledger/payloads.h"
#include "core/market/market_config.h"
#include "core/market/settlement.h"
#include "core/roster/node.h"

#include <optional>

// A simulated prosumer: one node's trading strategy and its meter. Simple and documented:
//  - Forecast: net = forecast generation - forecast load for the slot (profiles.h, no noise); a node
//    with Role::Storage first lets its battery (2 h x capacity_kw, max power capacity_kw, starting
//    half full) absorb the surplus or supply the deficit at its current SoC (not changed by planning).
//  - Order: a forecast surplus > 50 Wh becomes a Sell order for the surplus, a deficit > 50 Wh a Buy
//    order for the deficit; otherwise no order. Limit price = feedIn + (grid - feedIn) x u, rounded
//    to the nearest milli/kWh, with u uniform in [0.2, 0.6] for sellers and [0.4, 0.8] for buyers,
//    drawn per node and slot; so prices always lie in [feedIn, grid] and bids tend to cross asks.
//    About 20% of nodes (a stable per-node draw) buy renewableOnly. The order expires at the
//    slot's start (gate closure) and is for delivery in that slot.
//  - Meter: the actual (noisy) generation and load of the slot; the battery absorbs the actual
//    surplus or supplies the actual deficit, changing its SoC. Reported as
//        generatedWh = actual generation + energy supplied by the battery,
//        consumedWh  = actual load + energy absorbed by the battery,
//    so generatedWh - consumedWh is the net energy at the grid connection after storage. Call
//    meter() once per slot in slot order (it advances the battery).
// Everything random is seeded per (seed, node, slot), so a run is reproducible.

namespace mg::grid {

class ProsumerAgent
{
public:
    static constexpr qint64 MinOrderWh = 50;

    ProsumerAgent(roster::NodeInfo node, quint64 seed, market::MarketConfig config);

    const roster::NodeInfo &node() const { return m_node; }
    const std::optional<Storage> &storage() const { return m_storage; }
    bool prefersRenewable() const { return m_renewableOnly; }

    // The forecast net energy (generation - load, after storage at the current SoC) for the slot.
    qint64 forecastNetWh(qint64 slot) const;
    std::optional<ledger::OrderPayload> planOrder(qint64 slot) const;
    market::MeterReading meter(qint64 slot);

private:
    roster::NodeInfo m_node;
    quint64 m_seed;
    market::MarketConfig m_config;
    std::optional<Storage> m_storage;
    bool m_renewableOnly = false;
};

} // namespace mg::grid
