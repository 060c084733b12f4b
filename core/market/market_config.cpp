#include "core/market/market_config.h"

namespace mg::market {

QString marketModeName(MarketMode mode)
{
    switch (mode) {
    case MarketMode::ContinuousDoubleAuction:
        return QStringLiteral("cda");
    case MarketMode::Paper:
        return QStringLiteral("paper");
    }
    Q_UNREACHABLE();
    return QString();
}

} // namespace mg::market
