#include "core/engine/microgrid.h"
#include "core/roster/demo_roster.h"
#include "core/roster/roster_csv.h"
#include "ui/main_window.h"
#include "ui/settings/language.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Microgrid Console"));
    QApplication::setOrganizationName(QStringLiteral("Microgrid Console"));
    QApplication::setOrganizationDomain(QStringLiteral("microgrid-console.example.org"));
    QApplication::setApplicationVersion(QStringLiteral(PROJECT_VERSION));
    // Language: the "ui/language" setting, else the system locale (needs the names above for QSettings).
    mg::ui::installTranslators(app, QSettings());

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate("main", "Operator console for peer-to-peer microgrid energy trading."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({QStringLiteral("demo"), QApplication::translate("main", "Run the built-in demo microgrid (100 nodes, 10 sub-chains).")});
    parser.addOption({QStringLiteral("data"), QApplication::translate("main", "Data directory (default: the last one used, or the demo's)."), QStringLiteral("DIR")});
    parser.addOption({QStringLiteral("roster"), QApplication::translate("main", "Roster CSV to run instead of the demo roster."), QStringLiteral("FILE")});
    parser.addOption({QStringLiteral("screenshot"), QApplication::translate("main", "Render the window to a PNG after the microgrid has run a while, then exit."), QStringLiteral("FILE")});
    parser.process(app);

    QSettings settings;
    QString dataDir = parser.value(QStringLiteral("data"));
    if (dataDir.isEmpty())
        dataDir = parser.isSet(QStringLiteral("demo")) ? QString() : settings.value(QStringLiteral("dataDir")).toString();
    if (dataDir.isEmpty())
        dataDir = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("demo"));
    settings.setValue(QStringLiteral("dataDir"), dataDir);

    mg::engine::Scenario scenario;
    if (parser.isSet(QStringLiteral("roster"))) {
        auto roster = mg::roster::readRosterFile(parser.value(QStringLiteral("roster")));
        if (!roster.ok()) {
            QMessageBox::critical(nullptr, QApplication::applicationName(), roster.error().message);
            return 2;
        }
        scenario.roster = roster.value();
    } else {
        scenario.roster = mg::roster::demoRoster();
    }
    scenario.clock = mg::net::ClockMode::Real;
    scenario.ordersPerNodePerSecond = 0.5;
    scenario.dataDir = dataDir;

    mg::engine::Microgrid microgrid;
    mg::ui::MainWindow window(microgrid);
    window.setDataDirectory(dataDir);
    window.show();
    microgrid.start(scenario);

    if (parser.isSet(QStringLiteral("screenshot"))) {
        const QString file = parser.value(QStringLiteral("screenshot"));
        QTimer::singleShot(4000, &window, [&window, file] {
            const bool ok = window.grab().save(file);
            QApplication::exit(ok ? 0 : 1);
        });
    }
    const int code = app.exec();
    microgrid.stop();
    return code;
}
