#pragma once

#include <QLocale>
#include <QString>

class QCoreApplication;
class QSettings;

namespace mg::ui {

// The settings key for the interface language: "" follows the system locale, otherwise a
// locale name such as "en" or "zh_CN".
inline constexpr QStringView LanguageSettingKey = u"ui/language";

// Resource directory holding the compiled translations (microgrid_<locale>.qm).
inline constexpr QStringView TranslationsResourceDir = u":/i18n";

// The locale the interface should use: the "ui/language" setting when set, else the system's.
QLocale uiLocale(const QSettings &settings);
QLocale uiLocale(const QString &language);

// Installs Qt's own translations (qtbase) for the locale, then ours, on the application.
// When the language is set explicitly it also becomes the default QLocale.
// Returns whether a translation of ours for the locale was installed.
bool installTranslators(QCoreApplication &app, const QSettings &settings);
bool installTranslators(QCoreApplication &app, const QString &language);

} // namespace mg::ui
