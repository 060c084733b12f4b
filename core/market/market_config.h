#pragma once

#include <QtGlobal>
#include <QString>

namespace mg::market {

// Prices in milli-currency-units per kWh, money in milli-currency-units, energy in Wh.
enum class MarketMode {
    ContinuousDoubleAuction, // price-time priority, partial fills, trade at the resting order's price
    Paper,                   // the DB-Microgrid paper: a demand is broadcast, sellers accept, the
                             // earliest acceptance wins; trade at the demand's price
};
QString marketModeName(MarketMode mode); // "cda", "paper"

struct MarketConfig
{
    qint64 feedInTariff = 80;   // the utility buys surplus at this price
    qint64 gridTariff = 300;    // the utility sells at this price; order prices lie in [feedIn, grid]
    qint64 penalty = 150;       // per undelivered kWh, paid by the seller to the buyer
    qint64 slotMs = 15 * 60 * 1000; // delivery interval
    qint64 settleDelayMs = 2 * 60 * 1000; // a slot is settled this long after it ends (meters report)
    qint64 maxOrderWh = 10000;  // agents split nothing: they order at most this (the regulator's default trade size)
    MarketMode mode = MarketMode::ContinuousDoubleAuction;

    qint64 slotOf(qint64 ms) const { return ms / slotMs; }
    qint64 slotStartMs(qint64 slot) const { return slot * slotMs; }
    qint64 slotEndMs(qint64 slot) const { return (slot + 1) * slotMs; }
};

// Money for energy at a price: Wh x milli/kWh / 1000, rounded half away from zero, so every
// member computes the same integer.
inline qint64 amountFor(qint64 energyWh, qint64 priceMilliPerKwh)
{
    const qint64 product = energyWh * priceMilliPerKwh;
    return product >= 0 ? (product + 500) / 1000 : -((-product + 500) / 1000);
}

} // namespace mg::market
