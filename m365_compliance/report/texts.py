"""Every label of the report in Norwegian bokmål (the default) and English, and how dates are written.

Dates in tables are ISO 8601 (``2026-11-25``: sortable, unambiguous in both languages); the report's
own time stamps are written out in the language (``25. november 2026 kl. 03:00``), in the policy's
time zone. Finding titles, messages and remediation come from :mod:`m365_compliance.rules.finding_texts`;
rule names, controls, states and the page-one sentences are translated here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from m365_compliance.config.schema import Language

LANGUAGES: tuple[Language, ...] = ("nb", "en")

MONTHS = {
    "nb": ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}

#: noun → ((bokmål singular, plural), (English singular, plural)), for :meth:`Texts.count`.
NOUNS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "finding": (("funn", "funn"), ("finding", "findings")),
    "item": (("element", "elementer"), ("item", "items")),
    "entry": (("oppføring", "oppføringer"), ("entry", "entries")),
    "run": (("kjøring", "kjøringer"), ("run", "runs")),
    "evaluation": (("evaluering", "evalueringer"), ("evaluation", "evaluations")),
    "plan": (("plan", "planer"), ("plan", "plans")),
    "journal_entry": (("journalføring", "journalføringer"), ("journal entry", "journal entries")),
    "request": (("begjæring", "begjæringer"), ("request", "requests")),
    "applicant_folder": (("søkermappe", "søkermapper"), ("applicant folder", "applicant folders")),
    "deadline": (("frist", "frister"), ("deadline", "deadlines")),
    "action": (("tiltak", "tiltak"), ("action", "actions")),
    "warning": (("varsel", "varsler"), ("warning", "warnings")),
    "failure": (("avvik", "avvik"), ("failure", "failures")),
    "hour": (("time", "timer"), ("hour", "hours")),
    "sink": (("kanal", "kanaler"), ("sink", "sinks")),
}

#: key → (bokmål, English). ``{name}`` placeholders are filled by :meth:`Texts.__call__`.
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Personvernrapport", "Privacy compliance report"),
    "contents": ("Innhold", "Contents"),
    "policy": ("Policy", "Policy"),
    "version": ("Versjon", "Version"),
    "evaluation": ("Evaluering", "Evaluation"),
    "evaluated_at": ("Evaluert", "Evaluated"),
    "inventory_run": ("Inventarkjøring", "Inventory run"),
    "generated_at": ("Rapport laget", "Report generated"),
    "timezone": ("Tidssone", "Time zone"),
    "version_differs": ("Evalueringen ble gjort under policyversjon {version}.",
                        "The evaluation ran under policy version {version}."),
    "names_off": ("Kun antall og referanser (id-er). Navn og stier vises bare med --include-names.",
                  "Counts and references (ids) only. Names and paths appear only with --include-names."),
    "names_on": ("Rapporten viser navn og stier (--include-names): behandle den som personopplysninger.",
                 "This report shows names and paths (--include-names): treat it as personal data."),
    "none": ("Ingen.", "None."),
    "not_available": ("Ikke tilgjengelig: inventaret som ble evaluert, finnes ikke lenger i tilstandslageret.",
                      "Not available: the evaluated inventory is no longer in the state store."),
    "total": ("Sum", "Total"),
    "count": ("Antall", "Count"),
    "field": ("Felt", "Field"),
    "value": ("Verdi", "Value"),
    # sections, in the order of the report
    "sec.summary": ("Sammendrag", "Summary"),
    "sec.coverage": ("Dekning: hva som ikke kunne evalueres", "Coverage: what could not be evaluated"),
    "sec.controls": ("Funn per kontroll og alvorlighetsgrad", "Findings by control and severity"),
    "sec.trend": ("Utvikling natt for natt", "Trend night by night"),
    "sec.drift": ("Endringer siden forrige kjøring (C8)", "Drift since the previous run (C8)"),
    "sec.exceptions": ("Godkjente unntak", "Accepted exceptions"),
    "sec.applicants": ("Søkerdata etter alder", "Applicant data by age"),
    "sec.deletions": ("Forfalte og kommende slettinger", "Overdue and upcoming deletions"),
    "sec.kept": ("Beholdt på grunn av oppbevaringsetikett eller lov", "Kept because of a retention label or the law"),
    "sec.agreements": ("Avtaler etter status", "Agreements by state"),
    "sec.holds": ("Lovpålagt oppbevaring (C6)", "Statutory retention (C6)"),
    "sec.actions": ("Tiltak i perioden", "Actions taken in the period"),
    "sec.alerts": ("Varsler som ikke ble levert", "Alert delivery failures"),
    "sec.dsar": ("Begjæringer fra registrerte (C7)", "Data-subject requests (C7)"),
    "sec.evidence": ("Dokumentasjon (C9)", "Evidence (C9)"),
    "sec.details": ("Funn i detalj", "Findings in detail"),
    # controls (CONTROLS.md)
    "control": ("Kontroll", "Control"),
    "control.C1": ("Tilgang til rekrutteringsdata", "Recruitment access"),
    "control.C2": ("Lagringstid for søkerdata", "Recruitment retention"),
    "control.C3": ("Tilgang til kundedata", "Customer access"),
    "control.C4": ("Uregistrerte kundedata", "Unregistered customer data"),
    "control.C5": ("Avtalens livsløp", "Agreement lifecycle"),
    "control.C6": ("Lovpålagt oppbevaring", "Statutory retention"),
    "control.C7": ("Begjæringer fra registrerte", "Data-subject requests"),
    "control.C8": ("Endringer (drift)", "Drift"),
    "control.C9": ("Dokumentasjon", "Evidence"),
    "control_name": ("Navn", "Name"),
    "other": ("Annet", "Other"),
    "c7.summary": ("{cases}, {open} åpne, {overdue} over fristen", "{cases}, {open} open, {overdue} overdue"),
    "c8.summary": ("{new} nye, {still} fortsatt åpne, {fixed} rettet", "{new} new, {still} still failing, {fixed} fixed"),
    "c9.summary": ("{runs}, {plans}, {entries}", "{runs}, {plans}, {entries}"),
    # finding fields
    "severity": ("Alvorlighet", "Severity"),
    "severity.high": ("høy", "high"),
    "severity.medium": ("middels", "medium"),
    "severity.low": ("lav", "low"),
    "status": ("Status", "Status"),
    "status.fail": ("avvik", "fail"),
    "status.warn": ("varsel", "warning"),
    "col.warn": ("Varsel", "Warning"),
    "col.info": ("Informasjon", "Information"),
    "col.not_evaluated": ("Ikke evaluert", "Not evaluated"),
    "status.info": ("informasjon", "information"),
    "status.not_evaluated": ("ikke evaluert", "not evaluated"),
    "col.fail_high": ("Avvik høy", "Fail high"),
    "col.fail_medium": ("Avvik middels", "Fail medium"),
    "col.fail_low": ("Avvik lav", "Fail low"),
    "finding": ("Funn", "Finding"),
    "finding_id": ("Funn-id", "Finding id"),
    "concerns": ("Gjelder", "Concerns"),
    "rule": ("Regel", "Rule"),
    "message": ("Melding", "Message"),
    "remediation": ("Tiltak", "Remediation"),
    "scope": ("Område", "Scope"),
    "item": ("Element", "Item"),
    "reference": ("Referanse", "Reference"),
    "path": ("Sti", "Path"),
    "due": ("Frist", "Due"),
    "due_since": ("Forfalt siden", "Due since"),
    "days_overdue": ("Dager over", "Days overdue"),
    "keep_until": ("Oppbevares til", "Keep until"),
    "first_seen": ("Først sett", "First seen"),
    "drift_state": ("Endring", "Drift"),
    "breach_clock": ("72-timersfrist", "72-hour clock"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "scope.recruitment": ("rekruttering", "recruitment"),
    "scope.customers": ("kunder", "customers"),
    "scope.register": ("avtaleregister", "agreement register"),
    "scope.directory": ("katalog", "directory"),
    # coverage
    "coverage.what": ("Hva som ikke kunne leses", "What could not be read"),
    "coverage.ok": ("Alt ble lest: ingen kontroll står uevaluert.", "Everything was read: no control is left unevaluated."),
    "coverage.gaps": ("Hull i inventaret: {gaps}. Funn som ikke kunne evalueres: {n}.",
                      "Gaps in the inventory: {gaps}. Findings not evaluated: {n}."),
    "coverage.degraded": ("Tillatelser lest element for element i {n} tilfeller (ingenting gikk tapt).",
                          "Permissions read item by item in {n} cases (nothing was lost)."),
    "coverage.warning": ("Uevaluert betyr ikke i orden: rett det som hindret lesingen og kjør inventaret på nytt.",
                         ("Not evaluated does not mean compliant: fix what blocked the read and run the inventory "
                         "again.")),
    # trend
    "trend.open": ("Åpne funn per kjøring", "Open findings per run"),
    "trend.fail": ("Avvik", "Fail"),
    "trend.warn": ("Varsler", "Warnings"),
    "trend.not_evaluated": ("Ikke evaluert", "Not evaluated"),
    "trend.single": ("Første natt: utviklingen vises som en kurve fra neste natts kjøring.",
                     "First night: the trend is drawn from the next night's run."),
    # drift
    "drift.state.new": ("ny", "new"),
    "drift.state.still_failing": ("fortsatt åpen", "still failing"),
    "drift.state.expired": ("unntak utløpt", "exception expired"),
    "drift.state.accepted": ("akseptert", "accepted"),
    "drift.state.unverified": ("ikke kontrollert", "unverified"),
    "drift.state.fixed": ("rettet", "fixed"),
    "drift.first": ("Første evaluering: alle åpne funn er nye.", "First evaluation: every open finding is new."),
    "drift.against": ("Sammenlignet med evaluering {id}.", "Compared with evaluation {id}."),
    "drift.listed": (("Nye, utløpte, aksepterte, rettede og ikke kontrollerte funn er listet; funn som fortsatt er åpne, "
                     "står i detaljlisten per kontroll."),
                     ("New, expired, accepted, fixed and unverified findings are listed; findings still failing are "
                     "in the detail list per control.")),
    "breach.title": ("Mulig personvernbrudd: 72-timersfristen kan ha startet",
                     "Possible personal data breach: the 72-hour clock may have started"),
    "breach.text": (("Funn som gir utenforstående tilgang til søker- eller kundedata: {n}. Vurder straks om det er et "
                    "brudd på personopplysningssikkerheten: et brudd skal meldes Datatilsynet innen 72 timer etter at "
                    "det ble oppdaget (GDPR art. 33), med mindre det er usannsynlig at det medfører en risiko."),
                    ("Findings exposing applicant or customer data to outsiders: {n}. Assess at once whether this is a "
                    "personal data breach: a breach must be notified to Datatilsynet within 72 hours of becoming "
                    "aware of it (GDPR Art. 33), unless it is unlikely to result in a risk.")),
    # exceptions
    "exception.owner": ("Ansvarlig", "Owner"),
    "exception.reason": ("Begrunnelse", "Reason"),
    "exception.expires": ("Utløper", "Expires"),
    "exception.accepted_at": ("Godkjent", "Accepted"),
    "exception.accepted_by": ("Godkjent av", "Accepted by"),
    "exception.state.in_force": ("gjelder", "in force"),
    "exception.state.expired": ("utløpt", "expired"),
    "exception.state.revoked": ("trukket tilbake", "revoked"),
    # applicants
    "applicants.text": (("{total}. Over {months}-månedersgrensen: {past}. Innen {days} dager før grensen: "
                        "{warning}. Ansatt (skal flyttes ut): {hired}. Uten dato: {no_date}."),
                        ("{total}. Past the {months}-month line: {past}. Within {days} days of the "
                        "line: {warning}. Hired (to be moved out): {hired}. Without a date: {no_date}.")),
    "applicants.age": ("Alder (måneder)", "Age (months)"),
    "applicants.line": ("{months} måneder", "{months} months"),
    "applicants.folder": ("Søkermappe", "Applicant folder"),
    "applicants.folder_id": ("Mappe-id", "Folder id"),
    "applicants.applied": ("Søknadsdato", "Applied"),
    "applicants.date_source": ("Datokilde", "Date source"),
    "applicants.source.column": ("kolonne", "column"),
    "applicants.source.folder created": ("mappen opprettet", "folder created"),
    "applicants.source.none": ("ingen", "none"),
    "applicants.deadline": ("Slettefrist", "Deadline"),
    "applicants.name": ("Mappenavn", "Folder name"),
    "applicant.state.within": ("innenfor", "within"),
    "applicant.state.warning": ("nær grensen", "near the line"),
    "applicant.state.past": ("over grensen", "past the line"),
    "applicant.state.hired": ("ansatt", "hired"),
    "applicant.state.no_date": ("uten dato", "no date"),
    # deletions
    "deletions.overdue": ("Forfalt: {n} skulle vært slettet.", "Overdue: {n} should have been deleted."),
    "deletions.upcoming": ("Kommende: {n} de neste {days} dagene.", "Upcoming: {n} in the next {days} days."),
    # kept because of a retention label or the law (the newest nightly plan's skipped entries)
    "kept.no_plan": ("Ingen plan er lagret ennå: avsnittet fylles når m365-compliance plan (eller nattkjøringen) "
                     "har laget en.",
                     "No plan is stored yet: this section fills once m365-compliance plan (or the nightly run) has "
                     "made one."),
    "kept.unreadable": ("Den nyeste planen ({plan}) kunne ikke leses: {error}",
                        "The newest plan ({plan}) could not be read: {error}"),
    "kept.unreadable_short": ("Den nyeste planen kunne ikke leses.", "The newest plan could not be read."),
    "kept.text": (("Den nyeste planen ({plan}, laget {created}) lar {n} stå fordi en oppbevaringsetikett "
                  "eller loven beholder dem."),
                  ("The newest plan ({plan}, made {created}) leaves {n} in place because a retention label "
                  "or the law keeps them.")),
    "kept.note": (("Planens egen begrunnelse står i regnearket. En mappe som beholdes, slettes ikke som helhet; "
                  "resten av innholdet slettes element for element."),
                  ("The plan's own reason is in the workbook. A folder that is kept is not deleted whole; the rest "
                  "of its contents is deleted item by item.")),
    "kept.all": ("Alle {n}", "All {n}"),
    "kept.why": ("Hvorfor beholdt", "Why kept"),
    "kept.code": ("Kode", "Code"),
    "kept.reason": ("Planens tekst (som lagret)", "The plan's text (as recorded)"),
    "kept.detail": ("Detalj", "Detail"),
    "kept.label": ("etiketten «{label}»", "the label '{label}'"),
    "kept.until": ("til {date}", "until {date}"),
    "kept.findings": ("Funn", "Findings"),
    "kept.plan": ("Plan", "Plan"),
    "kept.code.record_label": ("registrert som post (record)", "record label"),
    "kept.code.retention_label": ("oppbevaringsetikett", "retention label"),
    "kept.code.label_unknown": ("etikett kunne ikke leses", "label could not be read"),
    "kept.code.holds_protected": ("mappe beholdt: inneholder beskyttet innhold", "folder kept: holds protected items"),
    "kept.code.statutory_hold": ("bokføringsloven", "bookkeeping law"),
    # agreements
    "agreement": ("Avtale", "Agreement"),
    "agreement.row": ("Rad", "Row"),
    "agreement.customer": ("Kunde", "Customer"),
    "agreement.start": ("Start", "Start"),
    "agreement.end": ("Slutt", "End"),
    "agreement.disposal": ("Avhendes fra", "Disposal from"),
    "agreement.dpa": ("Databehandleravtale", "DPA"),
    "agreement.files_due": ("Filer forfalt", "Files due"),
    "agreement.files_held": ("Filer oppbevart", "Files kept"),
    "agreement.held_until": ("Oppbevares til", "Kept until"),
    "agreement.state.running": ("løpende", "running"),
    "agreement.state.awaiting": ("avsluttet – venter på avhending", "ended – awaiting disposition"),
    "agreement.state.held": ("oppbevares etter bokføringsloven til {date}", "kept under statutory hold until {date}"),
    "agreement.state.unknown": ("sluttdato kan ikke leses", "end date unreadable"),
    "agreement.state.disposed": ("avsluttet – ingenting igjen", "ended – nothing left"),
    "agreement.states.running": ("løpende", "running"),
    "agreement.states.awaiting": ("avsluttet – venter på avhending", "ended – awaiting disposition"),
    "agreement.states.held": ("avsluttet – bare lovpålagt oppbevaring igjen", "ended – only statutory holds left"),
    "agreement.states.unknown": ("sluttdato kan ikke leses", "end date unreadable"),
    "agreement.states.disposed": ("avsluttet – ingenting igjen", "ended – nothing left"),
    "holds.text": ("Oppbevares fordi bokføringsloven § 13 krever det: {n}, ingen slettes før datoen.",
                   ("Kept because bookkeeping law (bokføringsloven § 13) requires it: {n}, none deleted before "
                   "the date.")),
    "holds.year": ("Oppbevares til (år)", "Kept until (year)"),
    "holds.class": ("Klasse", "Class"),
    # page one: the three questions
    "sec.page_one": ("Side én: status og beslutninger", "Page one: status and decisions"),
    "p1.keeping": ("Holder vi policyen?", "Are we keeping the policy?"),
    "p1.decide": ("Hva må dere ta stilling til?", "What do you need to decide?"),
    "p1.changed": ("Hva har endret seg siden sist?", "What changed since last time?"),
    "p1.why": ("Hvorfor", "Why"),
    "p1.light.green": ("grønn", "green"),
    "p1.light.amber": ("gul", "amber"),
    "p1.light.red": ("rød", "red"),
    "p1.reason.holds": ("Holder: ingen åpne avvik, varsler eller hull.", "Holds: no open failures, warnings or gaps."),
    "p1.reason.failing": ("{n} er åpne; det alvorligste: {title}.", "{n} open; the most serious: {title}."),
    "p1.reason.not_evaluated": ("{n} ikke evaluert: uevaluert betyr ikke i orden ({title}).",
                                "{n} not evaluated: not evaluated does not mean compliant ({title})."),
    "p1.reason.accepted": ("{n} med godkjent unntak ({title}).", "{n} under an accepted exception ({title})."),
    "p1.reason.warnings": ("{n}, den første: {title}.", "{n}, the first: {title}."),
    "p1.reason.dsar_overdue": ("{n} over fristen.", "{n} overdue."),
    "p1.reason.dsar_due": ("{n} med frist snart.", "{n} due soon."),
    "p1.reason.dsar_ok": ("Ingen begjæring over eller nær fristen ({n} åpne).",
                          "No request overdue or due soon ({n} open)."),
    "p1.reason.breach": ("{n} gir utenforstående tilgang til søker- eller kundedata: 72-timersfristen kan løpe.",
                         "{n} expose applicant or customer data to outsiders: the 72-hour clock may be running."),
    "p1.reason.new": ("{n} nye eller med utløpt unntak siden forrige kjøring.",
                      "{n} new or with an expired exception since the previous run."),
    "p1.reason.drift_ok": ("Ingen nye avvik siden forrige kjøring.", "No new failures since the previous run."),
    "p1.reason.alerts_failed": ("Varsler ble ikke levert til {n} i perioden.",
                                "Alerts were not delivered to {n} in the period."),
    "p1.reason.evidence_ok": ("Alle varsler ble levert; journalen har {n}.",
                              "Every alert was delivered; the journal holds {n}."),
    "p1.nothing": ("Ingenting venter på en beslutning.", "Nothing is waiting for a decision."),
    "p1.approvals": ("Godkjenninger som venter", "Approvals waiting"),
    "p1.approval_class": ("Klasse", "Class"),
    "p1.oldest": ("Eldste først sett", "Oldest first seen"),
    "p1.expiring": ("Godkjente unntak som utløper innen {days} dager", "Accepted exceptions expiring within {days} days"),
    "p1.requests": ("Begjæringer fra registrerte med frist snart eller over fristen",
                    "Data-subject requests due or overdue"),
    "p1.exposures": ("Eksponering på 72-timersfristen (GDPR art. 33)", "Exposures on the 72-hour clock (GDPR Art. 33)"),
    "p1.deadline": ("Frist senest", "Deadline at the latest"),
    "p1.left": ("Tid igjen", "Time left"),
    "p1.passed": ("passert for {hours}", "passed {hours} ago"),
    "p1.first_night": (("Første kjøring: {new} åpne avvik er registrert; endringer vises fra neste kjøring."),
                       "First run: {new} open failures recorded; changes show from the next run."),
    "p1.changes": ("Nye: {new}. Rettet: {fixed}. Fortsatt åpne: {still}.",
                   "New: {new}. Fixed: {fixed}. Still failing: {still}."),
    "p1.selection": ("Rapporten dekker {controls}, alvorlighet {severity} og høyere.",
                     "This report covers {controls}, severity {severity} and above."),
    "approval_class.customer_disposal": ("avhending av kundedata", "customer disposal"),
    "approval_class.applicant_deletion": ("sletting av søkerdata", "applicant deletion"),
    "approval_class.dsar_erasure": ("sletting etter begjæring", "data-subject erasure"),
    "approval_class.retention_event": ("oppbevaringshendelse", "retention event"),
    "details.summary": ("{control}: {n}", "{control}: {n}"),
    "holds.first": ("Første dato", "First date"),
    "holds.last": ("Siste dato", "Last date"),
    # actions
    "actions.period": ("Perioden {since} – {until}.", "The period {since} – {until}."),
    "actions.text": ("Utførte endringer: {executed}. Prøvekjørte: {dry}. Planer: {plans}. Godkjenninger: {approvals}.",
                     "Executed changes: {executed}. Dry-run results: {dry}. Plans: {plans}. Approvals: {approvals}."),
    "actions.mode": ("Modus", "Mode"),
    "actions.kind": ("Type", "Kind"),
    "actions.result": ("Resultat", "Result"),
    "mode.execute": ("utført", "executed"),
    "mode.dry_run": ("prøvekjøring", "dry run"),
    "kind.remove_permission": ("fjern tilgang", "remove permission"),
    "kind.fire_retention_event": ("utløs oppbevaringshendelse", "fire retention event"),
    "kind.apply_statutory_label": ("sett lovpålagt etikett", "apply statutory label"),
    "kind.apply_label": ("sett oppbevaringsetikett", "apply retention label"),
    "kind.delete_item": ("slett (til papirkurven)", "delete (to the recycle bin)"),
    "result.done": ("gjort", "done"),
    "result.already": ("var allerede slik", "already so"),
    "result.skipped": ("hoppet over", "skipped"),
    "result.failed": ("feilet", "failed"),
    "result.awaiting_approval": ("venter på godkjenning", "awaiting approval"),
    "result.dry_run": ("prøvekjørt", "dry run"),
    # alerts
    "alerts.ok": ("Alle varsler i perioden ble levert.", "Every alert in the period was delivered."),
    "alerts.sink": ("Kanal", "Sink"),
    "alerts.attempts": ("Forsøk", "Attempts"),
    "alerts.failed_attempts": ("Mislykkede forsøk", "Failed attempts"),
    "alerts.failed_alerts": ("Varsler ikke levert", "Alerts not delivered"),
    "alerts.last_error": ("Siste feil", "Last error"),
    "alerts.last_at": ("Sist", "Last"),
    # data-subject requests
    "dsar.none": ("Ingen begjæringer er registrert.", "No requests registered."),
    "dsar.case": ("Sak", "Case"),
    "dsar.kind": ("Type", "Kind"),
    "dsar.received": ("Mottatt", "Received"),
    "dsar.due": ("Frist", "Due"),
    "dsar.overdue": ("Over fristen", "Overdue"),
    "dsar.due_soon": ("Frist snart", "Due soon"),
    "dsar.found": ("Funnet", "Found"),
    "dsar.erased": ("Slettet", "Erased"),
    "dsar.kept": ("Beholdt", "Kept"),
    "dsar.kind.access": ("innsyn", "access"),
    "dsar.kind.erasure": ("sletting", "erasure"),
    "dsar.kind.correction": ("retting", "correction"),
    "dsar.status.open": ("åpen", "open"),
    "dsar.status.awaiting_confirmation": ("venter på bekreftelse", "awaiting confirmation"),
    "dsar.status.closed": ("lukket", "closed"),
    # evidence
    "evidence.text": ("Journalen har {runs}, {evaluations}, {plans} og {entries}, hver med policyversjonen som gjaldt.",
                      "The journal holds {runs}, {evaluations}, {plans} and {entries}, each with the policy version "
                      "in force."),
    "run.kind": ("Kjøring", "Run"),
    "run.id": ("Id", "Id"),
    "run.started": ("Startet", "Started"),
    "run.finished": ("Ferdig", "Finished"),
    "run.status": ("Status", "Status"),
    "run.kind.inventory": ("inventar", "inventory"),
    "run.kind.check": ("kontroll", "check"),
    "run.kind.apply": ("utføring", "apply"),
    "run.state.succeeded": ("fullført", "succeeded"),
    "run.state.completed": ("fullført", "completed"),
    "run.state.complete": ("fullført", "complete"),
    "run.state.complete-with-gaps": ("fullført med hull", "complete with gaps"),
    "run.state.partial": ("delvis", "partial"),
    "run.state.failed": ("feilet", "failed"),
    "run.state.stopped": ("stoppet", "stopped"),
    "run.state.interrupted": ("avbrutt", "interrupted"),
    "run.state.running": ("pågår", "running"),
    # markdown
    "md.open": ("Åpne funn", "Open findings"),
    "md.more": ("Hele rapporten (HTML og XLSX) ligger som vedlegg til kjøringen.",
                "The full report (HTML and XLSX) is attached to the run."),
    # rule names
    "rule.coverage.not-evaluated": ("Ikke evaluert (data kunne ikke leses)", "Not evaluated (data unreadable)"),
    "rule.c1.recruitment-access": ("Tilgang til rekruttering", "Recruitment access"),
    "rule.c2.applicant-retention": ("Søkerdata over lagringstiden", "Applicant data past retention"),
    "rule.c2.applicant-columns": ("Ulesbar søknadsdato eller ansatt-verdi", "Unreadable application date or hired value"),
    "rule.c2.hired-applicant": ("Ansatt søker fortsatt i rekruttering", "Hired applicant still in recruitment"),
    "rule.c2.outside-applicant-folder": ("Fil utenfor søkermappe", "File outside an applicant folder"),
    "rule.c3.customer-access": ("Tilgang til kundedata", "Customer access"),
    "rule.c4.duplicate-row": ("Dobbel registerrad", "Duplicate register row"),
    "rule.c4.invalid-row": ("Ugyldig registerrad", "Invalid register row"),
    "rule.c4.row-without-folder": ("Registerrad uten kundemappe", "Register row without a folder"),
    "rule.c4.storage-basis-missing": ("Lagringsgrunnlag mangler", "Storage basis missing"),
    "rule.c4.unknown-contact": ("Ukjent kontaktperson", "Unknown contact person"),
    "rule.c4.unregistered-folder": ("Kundemappe uten registerrad", "Customer folder without a register row"),
    "rule.c5.agreement-ended": ("Avtale avsluttet – venter på avhending", "Agreement ended – awaiting disposition"),
    "rule.c5.disposal-due": ("Kundefil forfalt for avhending", "Customer file due for disposal"),
    "rule.c6.statutory-hold": ("Oppbevares etter bokføringsloven", "Kept by bookkeeping law"),
}


class Texts:
    """The labels of one language, and dates written for it in the policy's time zone."""

    def __init__(self, lang: Language, tz: ZoneInfo) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
        self.lang = lang
        self.tz = tz
        self._index = LANGUAGES.index(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text

    def label(self, group: str, value: str | None) -> str:
        """A translated value (``label("severity", "high")``); an unknown value is shown as it is."""
        if value is None:
            return ""
        key = f"{group}.{value}"
        return self(key) if key in TEXTS else value

    def day(self, value: date | None) -> str:
        return value.isoformat() if value is not None else "–"

    def long_day(self, value: date) -> str:
        month = MONTHS[self.lang][value.month - 1]
        return f"{value.day}. {month} {value.year}" if self.lang == "nb" else f"{value.day} {month} {value.year}"

    def moment(self, value: datetime | None) -> str:
        """An instant as local wall-clock time: ``25. november 2026 kl. 03:00`` / ``25 November 2026, 03:00``."""
        if value is None:
            return "–"
        local = value.astimezone(self.tz)
        clock = local.strftime("%H:%M")
        return f"{self.long_day(local.date())} kl. {clock}" if self.lang == "nb" else \
            f"{self.long_day(local.date())}, {clock}"

    def local_day(self, value: datetime | None) -> str:
        return self.day(value.astimezone(self.tz).date()) if value is not None else "–"

    def count(self, n: int, noun: str) -> str:
        """``1 plan`` / ``2 planer``: the number with the noun in the right number."""
        singular, plural = NOUNS[noun][self._index]
        return f"{n} {singular if n == 1 else plural}"

    def yes_no(self, value: bool) -> str:
        return self("yes") if value else self("no")
