#include "core/grid/storage.h"

#include <algorithm>

namespace mg::grid {

Storage::Storage(qint64 capacityWh, qint64 maxPowerW, qint64 initialSocWh)
    : m_capacityWh(std::max<qint64>(0, capacityWh))
    , m_maxPowerW(std::max<qint64>(0, maxPowerW))
    , m_socWh(std::clamp<qint64>(initialSocWh, 0, m_capacityWh))
{
}

qint64 Storage::maxEnergyWh(qint64 slotMs) const
{
    if (slotMs <= 0)
        return 0;
    return m_maxPowerW * slotMs / (3600LL * 1000);
}

qint64 Storage::absorb(qint64 surplusWh, qint64 slotMs)
{
    const qint64 absorbed = std::max<qint64>(0, std::min({surplusWh, maxEnergyWh(slotMs), m_capacityWh - m_socWh}));
    m_socWh += absorbed;
    return absorbed;
}

qint64 Storage::supply(qint64 deficitWh, qint64 slotMs)
{
    const qint64 supplied = std::max<qint64>(0, std::min({deficitWh, maxEnergyWh(slotMs), m_socWh}));
    m_socWh -= supplied;
    return -supplied;
}

} // namespace mg::grid
