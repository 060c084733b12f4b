#pragma once

#include "core/engine/scenario.h"

#include <QCommandLineParser>

namespace mg::cli {

// Options shared by the commands that build a scenario (elect, run): --roster, --groups,
// --weights, --seed, --topology. Fills `scenario`; on bad input returns an error naming it.
void addScenarioOptions(QCommandLineParser &parser);
Status scenarioFromOptions(const QCommandLineParser &parser, engine::Scenario &scenario);

} // namespace mg::cli
