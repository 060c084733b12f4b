#pragma once

#include "core/roster/node.h"

#include <QtGlobal>

// Seeded generation and load profiles of the simulated meters. Everything is a pure function of
// (node, time, seed): the same seed gives the same values on every run, with no global state and
// no std distributions (their output differs between standard libraries).
//
// Time: local time = UTC + 8 h (the papers' Baoding). Energy over a slot [start, start + slotMs)
// is the exact integral of the power curve over the slot (slots may have any length and may span
// midnight), rounded to the nearest Wh.
//
// Generation (nodes with Role::Generator; 0 for others):
//  - renewable (treated as PV): P(t) = capacityKw x cloud(day) x max(0, sin(pi x (h - 6) / 12)),
//    h = local hour of day: 0 before 6:00 and after 18:00, peak = capacity at 12:00 on a clear day.
//    cloud(day) is drawn per node and local day uniformly in [0.3, 1.0].
//    Actual = forecast x (1 + n), n uniform in [-0.1, +0.1] drawn per node and slot.
//  - non-renewable (diesel, CHP): a flat 0.6 x capacityKw all day; no weather, no noise
//    (forecast == actual).
//
// Load (nodes with Role::Consumer; 0 for others): P(t) = 0.3 x capacityKw x shape(h), where the
// piecewise-constant shape has a daily mean of exactly 1:
//     0-6 h 0.5 | 6-7 h 0.8 | 7-9 h 1.6 (morning peak) | 9-18 h 0.8 | 18-22 h 2.0 (evening peak)
//     | 22-24 h 0.9
//  Actual = forecast x (1 + n), n uniform in [-0.15, +0.15] drawn per node and slot.
//
// forecast = true returns the value without the per-slot noise: what an agent expects; the meter
// reports the actual value.

namespace mg::grid {

constexpr qint64 LocalUtcOffsetMs = 8LL * 3600 * 1000;
constexpr double PvNoise = 0.10;
constexpr double LoadNoise = 0.15;
constexpr double CloudMin = 0.3;
constexpr double NonRenewableFactor = 0.6;
constexpr double LoadSizeFactor = 0.3; // mean load in kW per kW of capacity

// Independent random streams of the seeded hash.
enum class SeedStream : quint64 {
    Cloud = 1,
    PvNoise = 2,
    LoadNoise = 3,
    SellPrice = 4,
    BuyPrice = 5,
    RenewablePreference = 6,
};

// A uniform number in [0, 1) from SplitMix64 over (seed, SHA-256 of the node id, stream, index):
// the only source of randomness of the simulation.
double seededUnit(quint64 seed, const roster::NodeId &node, SeedStream stream, qint64 index);

// Cloud factor in [0.3, 1.0] of a node on a local day (days since the epoch in local time).
double cloudFactor(const roster::NodeInfo &node, qint64 localDay, quint64 seed);

qint64 pvGenerationWh(const roster::NodeInfo &node, qint64 slotStartMs, qint64 slotMs, quint64 seed,
                      bool forecast = false);
qint64 householdLoadWh(const roster::NodeInfo &node, qint64 slotStartMs, qint64 slotMs, quint64 seed,
                       bool forecast = false);

} // namespace mg::grid
