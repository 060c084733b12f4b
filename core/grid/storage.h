#pragma once

#include <QtGlobal>

// A battery behind a node's meter. Lossless (no charge/discharge efficiency, no self-discharge):
// the simplest model that smooths a node's net energy. Per slot it moves at most
// maxPowerW x slotMs / 3.6e6 Wh (rounded down) and its state of charge stays in [0, capacityWh].
// Nodes with Role::Storage get capacity 2 h x capacity_kw and max power = capacity_kw (see agent.h).

namespace mg::grid {

class Storage
{
public:
    // Negative arguments count as 0; the initial SoC is clamped to [0, capacityWh].
    Storage(qint64 capacityWh, qint64 maxPowerW, qint64 initialSocWh);

    qint64 socWh() const { return m_socWh; }
    qint64 capacityWh() const { return m_capacityWh; }
    qint64 maxPowerW() const { return m_maxPowerW; }
    // The most energy moved in either direction over a slot of this length.
    qint64 maxEnergyWh(qint64 slotMs) const;

    // Charges with up to surplusWh over a slot, limited by power x slot and the free capacity.
    // Returns the energy actually absorbed (>= 0). A surplus <= 0 absorbs nothing.
    qint64 absorb(qint64 surplusWh, qint64 slotMs);
    // Discharges up to deficitWh over a slot, limited by power x slot and the SoC. Returns minus
    // the energy actually supplied (<= 0). A deficit <= 0 supplies nothing.
    qint64 supply(qint64 deficitWh, qint64 slotMs);

private:
    qint64 m_capacityWh;
    qint64 m_maxPowerW;
    qint64 m_socWh;
};

} // namespace mg::grid
