#include "ui/settings/language.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QSettings>
#include <QTranslator>

namespace mg::ui {

QLocale uiLocale(const QString &language)
{
    return language.isEmpty() ? QLocale::system() : QLocale(language);
}

QLocale uiLocale(const QSettings &settings)
{
    return uiLocale(settings.value(LanguageSettingKey.toString()).toString());
}

bool installTranslators(QCoreApplication &app, const QSettings &settings)
{
    return installTranslators(app, settings.value(LanguageSettingKey.toString()).toString());
}

bool installTranslators(QCoreApplication &app, const QString &language)
{
    const QLocale locale = uiLocale(language);
    if (!language.isEmpty())
        QLocale::setDefault(locale);

    // Qt's own strings (standard buttons, dialogs) first, then ours, which take precedence.
    auto *qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qtTranslator);
    else
        delete qtTranslator;

    auto *appTranslator = new QTranslator(&app);
    if (appTranslator->load(locale, QStringLiteral("microgrid"), QStringLiteral("_"),
                            TranslationsResourceDir.toString())) {
        QCoreApplication::installTranslator(appTranslator);
        return true;
    }
    delete appTranslator;
    return false;
}

} // namespace mg::ui
