#include "core/grid/profiles.h"

#include "core/crypto/hash.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace mg::grid {

namespace {

constexpr qint64 HourMs = 3600LL * 1000;
constexpr qint64 DayMs = 24 * HourMs;

quint64 splitMix64(quint64 x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

quint64 nodeKey(const roster::NodeId &node)
{
    const crypto::Hash256 h = crypto::sha256(node.toUtf8());
    quint64 v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | h.bytes[size_t(i)];
    return v;
}

qint64 floorDiv(qint64 a, qint64 b)
{
    qint64 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        --q;
    return q;
}

// Calls f(localDay, h0, h1) for each local day the UTC interval [startMs, startMs + lengthMs)
// touches, with the covered hours [h0, h1) of that day.
template<typename F>
void forEachLocalDay(qint64 startMs, qint64 lengthMs, F &&f)
{
    qint64 a = startMs + LocalUtcOffsetMs;
    const qint64 end = a + std::max<qint64>(0, lengthMs);
    while (a < end) {
        const qint64 day = floorDiv(a, DayMs);
        const qint64 dayStart = day * DayMs;
        const qint64 b = std::min(end, dayStart + DayMs);
        f(day, double(a - dayStart) / double(HourMs), double(b - dayStart) / double(HourMs));
        a = b;
    }
}

// Integral of max(0, sin(pi (h - 6) / 12)) over [h0, h1] within one day, in hours.
double solarIntegral(double h0, double h1)
{
    const double lo = std::clamp(h0, 6.0, 18.0);
    const double hi = std::clamp(h1, 6.0, 18.0);
    if (hi <= lo)
        return 0;
    constexpr double k = std::numbers::pi / 12.0;
    return (std::cos(k * (lo - 6.0)) - std::cos(k * (hi - 6.0))) / k;
}

struct LoadBand
{
    double from;
    double to;
    double factor;
};
constexpr LoadBand LoadShape[] = {
    {0, 6, 0.5}, {6, 7, 0.8}, {7, 9, 1.6}, {9, 18, 0.8}, {18, 22, 2.0}, {22, 24, 0.9},
};

// Integral of the load shape over [h0, h1] within one day, in hours.
double loadIntegral(double h0, double h1)
{
    double sum = 0;
    for (const LoadBand &band : LoadShape) {
        const double overlap = std::min(h1, band.to) - std::max(h0, band.from);
        if (overlap > 0)
            sum += overlap * band.factor;
    }
    return sum;
}

double noiseFactor(const roster::NodeInfo &node, qint64 slotStartMs, quint64 seed, SeedStream stream,
                   double amplitude)
{
    return 1.0 + amplitude * (2.0 * seededUnit(seed, node.id, stream, slotStartMs) - 1.0);
}

} // namespace

double seededUnit(quint64 seed, const roster::NodeId &node, SeedStream stream, qint64 index)
{
    quint64 x = splitMix64(quint64(index));
    x = splitMix64(x ^ quint64(stream));
    x = splitMix64(x ^ nodeKey(node));
    x = splitMix64(x ^ seed);
    return double(x >> 11) * 0x1.0p-53;
}

double cloudFactor(const roster::NodeInfo &node, qint64 localDay, quint64 seed)
{
    return CloudMin + (1.0 - CloudMin) * seededUnit(seed, node.id, SeedStream::Cloud, localDay);
}

qint64 pvGenerationWh(const roster::NodeInfo &node, qint64 slotStartMs, qint64 slotMs, quint64 seed,
                      bool forecast)
{
    if (!node.isGenerator() || node.capacityKw <= 0 || slotMs <= 0)
        return 0;
    if (!node.renewable)
        return std::llround(NonRenewableFactor * node.capacityKw * double(slotMs) / double(HourMs) * 1000.0);

    double kwh = 0; // per kW of capacity
    forEachLocalDay(slotStartMs, slotMs, [&](qint64 day, double h0, double h1) {
        const double s = solarIntegral(h0, h1);
        if (s > 0)
            kwh += s * cloudFactor(node, day, seed);
    });
    double wh = kwh * node.capacityKw * 1000.0;
    if (!forecast)
        wh *= noiseFactor(node, slotStartMs, seed, SeedStream::PvNoise, PvNoise);
    return std::llround(wh);
}

qint64 householdLoadWh(const roster::NodeInfo &node, qint64 slotStartMs, qint64 slotMs, quint64 seed,
                       bool forecast)
{
    if (!node.isConsumer() || node.capacityKw <= 0 || slotMs <= 0)
        return 0;
    double hours = 0; // shape-weighted hours
    forEachLocalDay(slotStartMs, slotMs, [&](qint64, double h0, double h1) { hours += loadIntegral(h0, h1); });
    double wh = hours * LoadSizeFactor * node.capacityKw * 1000.0;
    if (!forecast)
        wh *= noiseFactor(node, slotStartMs, seed, SeedStream::LoadNoise, LoadNoise);
    return std::llround(wh);
}

} // namespace mg::grid
