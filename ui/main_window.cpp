#include "ui/main_window.h"

#include "ui/models/chain_table_model.h"

#include <QCloseEvent>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace mg::ui {

MainWindow::MainWindow(engine::Microgrid &microgrid, QWidget *parent)
    : QMainWindow(parent)
    , m_microgrid(microgrid)
    , m_chains(new ChainTableModel(this))
{
    setWindowTitle(tr("Microgrid Console"));
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    m_summary = new QLabel(central);
    m_summary->setTextFormat(Qt::PlainText);
    QFont f = m_summary->font();
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_summary->setFont(f);
    layout->addWidget(m_summary);

    m_chainView = new QTableView(central);
    m_chainView->setModel(m_chains);
    m_chainView->setAlternatingRowColors(true);
    m_chainView->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_chainView->verticalHeader()->hide();
    m_chainView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    layout->addWidget(m_chainView, 1);
    setCentralWidget(central);

    m_dataDir = new QLabel(this);
    statusBar()->addPermanentWidget(m_dataDir);
    statusBar()->showMessage(tr("Starting the microgrid…"));

    connect(&m_microgrid, &engine::Microgrid::snapshotChanged, this, &MainWindow::refresh);
    connect(&m_microgrid, &engine::Microgrid::started, this, [this] { statusBar()->showMessage(tr("Microgrid running"), 3000); });
    connect(&m_microgrid, &engine::Microgrid::failed, this, &MainWindow::showError);
    connect(&m_microgrid, &engine::Microgrid::commandFailed, this, &MainWindow::showError);

    QSettings settings;
    if (!restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray()))
        resize(1100, 650);
}

void MainWindow::setDataDirectory(const QString &dir)
{
    m_dataDir->setText(dir.isEmpty() ? tr("In memory") : tr("Data: %1").arg(dir));
}

void MainWindow::refresh()
{
    const auto snapshot = m_microgrid.snapshot();
    m_chains->setSnapshot(snapshot);
    m_summary->setText(tr("%1 nodes · %2 blocks final · %3 transactions final · consensus p50 %4 ms · order to final p50 %5 ms")
                           .arg(snapshot->nodes.size())
                           .arg(snapshot->blocksFinal)
                           .arg(snapshot->transactionsFinal)
                           .arg(snapshot->consensusP50Ms, 0, 'f', 1)
                           .arg(snapshot->finalP50Ms, 0, 'f', 1));
}

void MainWindow::showError(const mg::Error &error)
{
    statusBar()->showMessage(error.message, 10000);
    QMessageBox::warning(this, tr("Microgrid Console"), error.message);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    event->accept();
}

} // namespace mg::ui
