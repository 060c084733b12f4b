#include "ui/models/chain_table_model.h"
#include "ui/settings/language.h"

#include <QCoreApplication>
#include <QLocale>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTranslator>

// The compiled translations are embedded in microgrid_ui (:/i18n/microgrid_<locale>.qm) and
// translate the strings of ui/ and app/console.
class TranslationsTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void qmTranslates_data();
    void qmTranslates();
    void loadsByLocale_data();
    void loadsByLocale();
    void installFollowsSetting();

private:
    QTemporaryDir m_settingsDir;
};

void TranslationsTest::initTestCase()
{
    QVERIFY(m_settingsDir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    QCoreApplication::setOrganizationName(QStringLiteral("tst_ui_translations"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_ui_translations"));
}

void TranslationsTest::qmTranslates_data()
{
    QTest::addColumn<QString>("context");
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    QTest::newRow("window title") << "mg::ui::MainWindow" << "Microgrid Console" << QStringLiteral("微电网控制台");
    QTest::newRow("parent chain") << "mg::ui::ChainTableModel" << "Parent chain" << QStringLiteral("父链");
    QTest::newRow("biller") << "mg::ui::ChainTableModel" << "Biller" << QStringLiteral("记账节点");
    QTest::newRow("score") << "mg::ui::ChainTableModel" << "DBSCA score" << QStringLiteral("DBSCA 评分");
    QTest::newRow("sub-chain arg") << "mg::ui::ChainTableModel" << "Sub-chain %1" << QStringLiteral("子链 %1");
    QTest::newRow("console option") << "main" << "Operator console for peer-to-peer microgrid energy trading."
                                    << QStringLiteral("点对点微电网能源交易的操作控制台。");
}

void TranslationsTest::qmTranslates()
{
    QFETCH(QString, context);
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QTranslator translator;
    QVERIFY(translator.load(QStringLiteral(":/i18n/microgrid_zh_CN.qm")));
    QCOMPARE(translator.language(), QStringLiteral("zh_CN"));
    QCOMPARE(translator.translate(context.toUtf8().constData(), source.toUtf8().constData()), expected);
}

void TranslationsTest::loadsByLocale_data()
{
    QTest::addColumn<QString>("locale");
    QTest::addColumn<QString>("file");
    QTest::newRow("zh_CN") << "zh_CN" << ":/i18n/microgrid_zh_CN.qm";
    QTest::newRow("zh_Hans_CN") << "zh_Hans_CN" << ":/i18n/microgrid_zh_CN.qm";
    QTest::newRow("en_US falls back to en") << "en_US" << ":/i18n/microgrid_en.qm";
}

void TranslationsTest::loadsByLocale()
{
    QFETCH(QString, locale);
    QFETCH(QString, file);
    QTranslator translator;
    QVERIFY(translator.load(QLocale(locale), QStringLiteral("microgrid"), QStringLiteral("_"), QStringLiteral(":/i18n")));
    QCOMPARE(translator.filePath(), file);
}

void TranslationsTest::installFollowsSetting()
{
    QSettings settings;
    settings.setValue(mg::ui::LanguageSettingKey.toString(), QStringLiteral("zh_CN"));
    QCOMPARE(mg::ui::uiLocale(settings).name(), QStringLiteral("zh_CN"));
    QVERIFY(mg::ui::installTranslators(*QCoreApplication::instance(), settings));
    QCOMPARE(QLocale().name(), QStringLiteral("zh_CN"));

    mg::ui::ChainTableModel model;
    QCOMPARE(model.headerData(mg::ui::ChainTableModel::BillerColumn, Qt::Horizontal).toString(), QStringLiteral("记账节点"));

    settings.remove(mg::ui::LanguageSettingKey.toString());
    QCOMPARE(mg::ui::uiLocale(settings), QLocale::system());
}

QTEST_MAIN(TranslationsTest)
#include "tst_ui_translations.moc"
