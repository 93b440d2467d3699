"""A finding's title, message and remediation in bokmål or English, from templates keyed by rule and verdict.

The rules store English text for logs and the JSON findings; the report and the alerts speak the policy's
language, so they render each finding again from these templates with the finding's evidence as parameters.
Evidence keys ``principalName`` and ``contactName``, when the caller adds them (a report with names), name the
person a grant or a register row is about; otherwise a person is a kind and a short reference.
``subject`` is whatever the caller may show for the finding's item (a customer path, "søkermappe 2026-01",
"registerrad 5", an item id in an alert): this module never decides what is personal data. When a template
cannot be filled (an older finding without the evidence it needs) the rule's general sentence in the language
is used, so a bokmål text never falls back to English.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from m365_compliance.rules.findings import Finding

Language = Literal["nb", "en"]
LANGUAGES: tuple[Language, ...] = ("nb", "en")
Pair = tuple[str, str]  # (bokmål, English)


@dataclass(frozen=True)
class FindingText:
    """What a reader sees of one finding, in one language."""

    title: str
    message: str
    remediation: str


@dataclass(frozen=True)
class RuleTexts:
    """A rule's general title, sentence and remediation (``{subject}`` is the only placeholder)."""

    title: Pair
    message: Pair
    remediation: Pair


_ACCESS_FIX_C1: Pair = ("Fjern tildelingen eller delingslenken (eller gjesten fra gruppen); legg personen i "
                        "rekrutteringsgruppen bare hvis vedkommende jobber med rekruttering.",
                        "Remove the grant or sharing link (or the guest from the group); add the person to the "
                        "recruiters group only if they work with recruitment.")
_ACCESS_FIX_C3: Pair = ("Fjern tildelingen eller lenken, eller registrer personen som kontaktperson i kundens avtale.",
                        "Remove the grant or link, or register the person as a contact person in the customer's "
                        "agreement.")
_APPLICANT_FIX: Pair = ("Slett søkerens mappe (til papirkurven) gjennom en gjennomgått plan; behold den lenger bare "
                        "med søkerens registrerte samtykke.",
                        "Delete the applicant's folder (to the recycle bin) through a reviewed plan; keep it longer "
                        "only with the applicant's recorded consent.")

RULES: Mapping[str, RuleTexts] = MappingProxyType({
    "coverage.not-evaluated": RuleTexts(
        ("Ikke evaluert: data inventaret ikke kunne lese", "Not evaluated: data the inventory could not read"),
        ("{subject} kunne ikke leses, så ingenting kan konkluderes.",
         "{subject} could not be read, so nothing may be concluded."),
        ("Følg hintet (som regel en manglende Graph-tillatelse eller et feil navn i policyfilen), og kjør "
         "inventaret på nytt.",
         "Follow the hint (usually a missing Graph permission or a wrong name in the policy file), then run the "
         "inventory again.")),
    "c1.recruitment-access": RuleTexts(
        ("Rekrutteringsinnhold tilgjengelig utenfor rekrutteringsrollen",
         "Recruitment content reachable outside the recruiters role"),
        ("{subject} kan nås av noen utenfor rekrutteringsrollen.",
         "{subject} can be reached by someone outside the recruiters role."), _ACCESS_FIX_C1),
    "c3.customer-access": RuleTexts(
        ("Kundedata tilgjengelig utenfor kontaktpersoner, ledelse og salg",
         "Customer data reachable outside contact persons, management and sales"),
        ("{subject} kan nås av noen policyen ikke tillater.",
         "{subject} can be reached by someone the policy does not allow."), _ACCESS_FIX_C3),
    "c2.applicant-retention": RuleTexts(
        ("Søkerdata oppbevart utover lagringstiden", "Applicant data kept beyond the retention period"),
        ("{subject} er over slettefristen.", "{subject} is past its deadline."), _APPLICANT_FIX),
    "c2.hired-applicant": RuleTexts(
        ("Ansatt søkers data fortsatt i rekrutteringsområdet", "Hired applicant's data still in the recruitment scope"),
        ("{subject} tilhører en søker som er ansatt: flytt den ut av rekruttering; den slettes aldri automatisk.",
         "{subject} belongs to a hired applicant: move it out of recruitment; it is never deleted automatically."),
        ("Flytt det ansettelsen trenger til personalmappen, og fjern mappen fra rekruttering; den slettes aldri "
         "automatisk.",
         "Move what the employment needs to the personnel file and remove the folder from recruitment; it is never "
         "deleted automatically.")),
    "c2.applicant-columns": RuleTexts(
        ("Søkermappe med uleselig søknadsdato eller ansatt-verdi",
         "Applicant folder with an unreadable application date or hired value"),
        ("{subject}: en kolonneverdi kan ikke leses.", "{subject}: a column value cannot be read."),
        ("Rett mappens kolonneverdi; inntil da regnes fristen fra da mappen ble opprettet, og søkeren regnes som "
         "ikke ansatt.",
         "Correct the folder's column value; until then the deadline counts from the folder's creation and the "
         "applicant is treated as not hired.")),
    "c2.outside-applicant-folder": RuleTexts(
        ("Rekrutteringsfil utenfor søkermappe", "Recruitment file outside any applicant folder"),
        ("{subject} ligger utenfor alle søkermapper; fristen følges ikke opp sammen med en søkers.",
         "{subject} lies outside any applicant folder; its deadline is not tracked with an applicant's."),
        ("Flytt filen inn i søkerens mappe (så søkerens frist gjelder den), eller slett den.",
         "Move the file into its applicant's folder (so the applicant's deadline covers it), or delete it.")),
    "c4.unregistered-folder": RuleTexts(
        ("Kundemappe uten registerrad", "Customer folder without a register row"),
        ("{subject} har ingen rad i avtaleregisteret.", "{subject} has no row in the register."),
        ("Registrer avtalen (med kontaktpersoner og databehandleravtale), eller flytt dataene ut: 321 lagrer "
         "kundedata bare under en avtale.",
         "Register the agreement (with its contact persons and DPA), or move the data out: 321 stores customer data "
         "only under an agreement.")),
    "c4.row-without-folder": RuleTexts(
        ("Registerrad uten kundemappe", "Register row without a customer folder"),
        ("{subject} peker ikke til noen kundemappe.", "{subject} points to no customer folder."),
        ("Rett radens mappe (eller kundenavn), eller opprett kundens mappe.",
         "Correct the row's folder (or customer name), or create the customer's folder.")),
    "c4.invalid-row": RuleTexts(
        ("Registerrad med manglende eller feilformaterte data", "Register row with missing or malformed data"),
        ("{subject} har kolonner som mangler eller ikke kan leses.",
         "{subject} has columns that are missing or cannot be read."),
        ("Fyll ut eller rett de nevnte kolonnene (datoer som datoer, slettedager som tall).",
         "Fill in or correct the named columns (dates as dates, deletion days as a number).")),
    "c4.duplicate-row": RuleTexts(
        ("Dobbel registerrad", "Duplicate register row"),
        ("{subject} gjentar en tidligere rad.", "{subject} duplicates an earlier row."),
        ("Behold én rad per kundemappe og avtale-id; slå kontaktpersonene sammen i den.",
         "Keep one row per customer folder and agreement id; merge the contact persons into it.")),
    "c4.unknown-contact": RuleTexts(
        ("Kontaktperson finnes ikke i katalogen", "Contact person not in the directory"),
        ("{subject} nevner en kontaktperson som ikke finnes i katalogen.",
         "{subject} names a contact person who is not in the directory."),
        ("Rett kontaktpersonens e-postadresse i registeret, eller inviter vedkommende som gjest; inntil da kan "
         "tilgangen til kundens mappe ikke godkjennes.",
         "Correct the contact person's e-mail in the register, or invite them as a guest; until then their access "
         "to the customer's folder cannot be recognised as allowed.")),
    "c4.storage-basis-missing": RuleTexts(
        ("Registerraden sier ikke om data lagres etter avtale",
         "Register row does not say whether data is stored by agreement"),
        ("{subject}: kolonnen for lagring etter avtale er tom.", "{subject}: the stored-by-agreement column is empty."),
        ("Fyll ut kolonnen for lagring etter avtale: ja bare der kunden har avtalt at 321 lagrer dataene (unntaket "
         "i P1).",
         "Fill in the stored-by-agreement column: yes only where the customer agreed that 321 stores their data "
         "(P1's exception).")),
    "c5.agreement-ended": RuleTexts(
        ("Avtalen er avsluttet: kundedata venter på avhending", "Agreement ended: customer data awaiting disposition"),
        ("Avtalen for {subject} er avsluttet og venter på avhending.",
         "The agreement of {subject} has ended and awaits disposition."),
        ("Avtal avhending med kunden (eller følg databehandleravtalen), og godkjenn så avhendingsplanen; det "
         "bokføringsloven krever, blir stående til datoen.",
         "Agree disposal with the customer (or follow the DPA), then approve the disposal plan; what bookkeeping law "
         "keeps stays until its date.")),
    "c5.disposal-due": RuleTexts(
        ("Kundefil forfalt for avhending", "Customer file due for disposal"),
        ("{subject} er forfalt for avhending.", "{subject} is due for disposal."),
        ("Ta den med i en godkjent avhendingsplan (etter dialogen med kunden); den går til papirkurven.",
         "Include it in an approved disposal plan (after the dialogue with the customer); it goes to the recycle "
         "bin.")),
    "c6.statutory-hold": RuleTexts(
        ("Oppbevares etter bokføringsloven", "Kept by bookkeeping law"),
        ("{subject} oppbevares etter bokføringsloven.", "{subject} is kept by bookkeeping law."),
        ("Ingenting skal slettes før datoen; merk elementet med den lovpålagte etiketten, så SharePoint også "
         "beholder det.",
         "Nothing to delete before the date shown; label the item with its statutory label so SharePoint keeps it "
         "too.")),
})

#: Titles of the access verdicts (``rules.allowed.TITLES``) and of the other variants a rule writes.
VARIANT_TITLES: Mapping[str, Pair] = MappingProxyType({
    "anonymous-link": ("Anonym delingslenke", "Anonymous sharing link"),
    "organization-link": ("Delingslenke for hele organisasjonen", "Organisation-wide sharing link"),
    "everyone-claim": ("Gitt til alle (et SharePoint-krav)", "Granted to everyone (a SharePoint claim)"),
    "audience-unknown": ("Ikke evaluert: delingslenke der Graph ikke oppga hvem den når",
                         "Not evaluated: sharing link whose audience Graph did not say"),
    "outsider": ("Delt med en utenforstående", "Shared with an outsider"),
    "pending-invitation": ("Delt ved invitasjon med en utenforstående (ikke akseptert ennå)",
                           "Shared by invitation with someone outside (not yet accepted)"),
    "unresolved": ("Ikke evaluert: en mottaker Graph ikke identifiserte", "Not evaluated: a grantee Graph did not identify"),
    "outside-allowed": ("Tilgang utenfor de tillatte personene", "Access outside the allowed people"),
    "expired": ("Utløpt delingslenke eller tildeling finnes fortsatt", "Expired sharing link or grant still present"),
    "membership-unknown": ("Ikke evaluert: gruppemedlemskap kunne ikke leses",
                           "Not evaluated: group membership could not be read"),
    "permissions-unreadable": ("Ikke evaluert: tilganger kan ikke leses", "Not evaluated: permissions unreadable"),
    "retention-warn": ("Søkerdata skal snart slettes", "Applicant data due for deletion soon"),
    "file-outside-customer": ("Kundefil utenfor alle kundemapper", "Customer file outside any customer folder"),
    "end-unreadable": ("Ikke evaluert: avtalens sluttdato kan ikke leses",
                       "Not evaluated: agreement end date unreadable"),
    "degraded": ("Evaluert fra tilganger lest element for element", "Evaluated from permissions read item by item"),
})

_WHO: Mapping[str, Pair] = MappingProxyType({
    "anonymous-link": ("Alle som har lenken", "Anyone with the link"),
    "organization-link": ("Alle i organisasjonen", "Everyone in the organisation"),
    "everyone-claim": ("SharePoint-kravet «alle»", "SharePoint's 'everyone' claim"),
    "audience-unknown": ("Den lenken når", "Whoever the link reaches"),
    "pending-invitation": ("Noen som er invitert på e-post og ikke har akseptert ennå ({ref})",
                           "Someone invited by e-mail who has not accepted yet ({ref})"),
    "unresolved": ("En mottaker Graph ikke identifiserer ({ref})", "A grantee Graph does not identify ({ref})"),
})
_KIND: Mapping[str, Pair] = MappingProxyType({
    "user": ("En bruker", "A user"), "guest": ("En gjest", "A guest"), "group": ("En gruppe", "A group"),
    "site_group": ("En SharePoint-gruppe", "A SharePoint group"), "invitation": ("En invitert", "An invitee"),
    "application": ("En app", "An app"),
})
_LINK: Mapping[str, Pair] = MappingProxyType({
    "anonymous": ("en anonym delingslenke", "an anonymous sharing link"),
    "organization": ("en delingslenke for hele organisasjonen", "an organisation-wide sharing link"),
    "users": ("en delingslenke for bestemte personer", "a sharing link for specific people"),
    "existingAccess": ("en lenke for dem som allerede har tilgang", "a link for those who already have access"),
})
_OPERATIONS: Mapping[str, Pair] = MappingProxyType({
    "permissions": ("tilgangene", "the permissions"), "sharing delta": ("endringsloggen for deling", "the sharing delta"),
    "unit columns": ("mappekolonnene", "the folder columns"), "delta": ("endringsloggen", "the change log"),
    "list users": ("brukerlisten", "the user list"), "users": ("brukerlisten", "the user list"),
    "find group": ("en gruppe", "a group"), "find folder": ("en mappe", "a folder"),
    "resolve site and library": ("området og biblioteket", "the site and library"),
    "read register": ("avtaleregisteret", "the agreement register"), "register": ("avtaleregisteret", "the register"),
    "directory": ("katalogen", "the directory"), "parent chain": ("mappekjeden", "the parent chain"),
    "list items": ("listeelementene", "the list items"),
})
#: Statutory classes of the default policy; a class the policy file names otherwise is shown by its own name.
STATUTORY_CLASSES: Mapping[str, Pair] = MappingProxyType({
    "primary": ("primærdokumentasjon", "primary documentation"),
    "secondary": ("sekundærdokumentasjon", "secondary bookkeeping material"),
})


SCOPES: Mapping[str, Pair] = MappingProxyType({
    "recruitment": ("rekrutteringsområdet", "the recruitment scope"),
    "customers": ("kundeområdet", "the customer scope"),
    "register": ("avtaleregisteret", "the agreement register"),
    "directory": ("katalogen", "the directory"),
})


def scope_words(scope: str | None, lang: Language) -> str:
    """A scope in words (``rekrutteringsområdet``); an unknown scope as named."""
    pair = SCOPES.get(scope or "")
    return pair[_i(lang)] if pair else (scope or "")


def statutory_class(name: str, lang: Language) -> str:
    """A statutory class in words (``primærdokumentasjon``); a class named in the policy file as written."""
    pair = STATUTORY_CLASSES.get(name)
    return pair[_i(lang)] if pair else name


def operation(name: str, lang: Language) -> str:
    """What the inventory could not read, in words (an unknown operation as "data")."""
    pair = _OPERATIONS.get(name)
    return pair[_i(lang)] if pair else ("data" if lang == "nb" else "data")


def short_ref(value: str) -> str:
    """A stable short reference to an id (its last six characters), for text; the full id goes to a detail column."""
    if "@" in value:  # an address is personal data: a digest of it, never a piece of it
        return hashlib.sha256(value.casefold().encode()).hexdigest()[:6].upper()
    tail = value.rsplit(":", 1)[-1].replace("-", "")
    return tail[-6:].upper() if len(tail) > 6 else tail.upper()


def id_subject(f: Finding, lang: Language) -> str:
    """The finding's item by id only — what an alert or a log line may name: a register row, the scope of a gap, or
    the item's Graph id (never its name or path)."""
    nb = lang == "nb"
    evidence = dict(f.evidence)
    if f.rule_id == "coverage.not-evaluated":
        return scope_words(f.scope, lang)
    if evidence.get("row") and (f.scope == "register" or not f.item_id):
        return f"{'registerrad' if nb else 'register row'} {evidence['row']}"
    if f.item_id:
        return f"{'element' if nb else 'item'} {f.item_id}"
    return "elementet" if nb else "the item"


def finding_text(f: Finding, lang: Language, subject: str) -> FindingText:
    """``f`` in ``lang``, naming its item as ``subject``."""
    general = RULES.get(f.rule_id)
    i = _i(lang)
    if general is None:  # a rule without templates: its own words, marked as such by the caller's tests
        return FindingText(f.title, f.message, f.remediation)
    evidence = dict(f.evidence)
    title = _variant_title(f, evidence, lang) or general.title[i]
    try:
        message = _MESSAGES[f.rule_id](f, evidence, lang, subject) if f.rule_id in _MESSAGES else None
    except KeyError:  # evidence an older finding does not carry: the general sentence instead
        message = None
    message = message or general.message[i].format(subject=subject)
    if "staleSince" in evidence:  # the scope could not be read this time: the reason's HTTP status, if it has one
        status = _HTTP_STATUS.search(evidence.get("staleReason", ""))
        since = evidence["staleSince"] + (f" (HTTP {status.group(0)})" if status else "")
        message = f"Utdatert siden {since}: {message}" if lang == "nb" else f"Stale since {since}: {message}"
    remediation = general.remediation[i]
    if f.rule_id in ("c1.recruitment-access", "c3.customer-access") and evidence.get("verdict") == "audience-unknown":
        remediation = ("Gå gjennom lenken i SharePoint (den fjernes aldri automatisk)." if lang == "nb"
                       else "Review the link in SharePoint (it is never removed automatically).")
    return FindingText(title, _sentence(message), remediation)


_HTTP_STATUS = re.compile(r"\b[45]\d\d\b")


def _i(lang: Language) -> int:
    return 0 if lang == "nb" else 1


def _sentence(text: str) -> str:
    """Capitalised and ending with a full stop, however the template ended."""
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _variant_title(f: Finding, evidence: Mapping[str, str], lang: Language) -> str | None:
    i = _i(lang)
    if f.rule_id in ("c1.recruitment-access", "c3.customer-access"):
        key = evidence.get("verdict") or ("permissions-unreadable" if f.status == "not_evaluated" else "")
        return VARIANT_TITLES[key][i] if key in VARIANT_TITLES else None
    if f.rule_id == "c2.applicant-retention" and f.status == "warn":
        return VARIANT_TITLES["retention-warn"][i]
    if f.rule_id == "c4.unregistered-folder" and f.title != "Customer folder without a register row":
        return VARIANT_TITLES["file-outside-customer"][i]
    if f.rule_id == "c5.agreement-ended" and f.status == "not_evaluated":
        return VARIANT_TITLES["end-unreadable"][i]
    if f.rule_id == "coverage.not-evaluated" and f.status == "info":
        return VARIANT_TITLES["degraded"][i]
    return None


Message = Callable[[Finding, Mapping[str, str], Language, str], str | None]


def _access(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str | None:
    nb = lang == "nb"
    verdict = e.get("verdict")
    if verdict is None:  # the permissions of the item could not be read
        return (f"tilgangene til {subject} kunne ikke leses, så hvem som når det (og det som arver fra det), er ukjent"
                if nb else f"the permissions of {subject} could not be read, so who can reach it (and what inherits "
                "from it) is not known")
    ref = e.get("principalName") or short_ref(e.get("principal", ""))  # a name only when the caller added one
    who_pair = _WHO.get(verdict) or _KIND.get(e.get("kind", ""), ("Noen", "Someone"))
    who = who_pair[_i(lang)].format(ref=ref)
    if verdict not in _WHO:
        who = f"{who} ({ref})"
    how = _how(e, lang)
    allowed = _allowed(f, lang)
    if verdict == "expired":
        return (f"{how} er utløpt, men finnes fortsatt på {subject}; den gir ingen tilgang nå, men den som kan "
                f"administrere elementet, kan forlenge den" if nb else
                f"{how} expired but is still present on {subject}; it grants nothing now, but anyone who can manage "
                "the item can extend it")
    if verdict == "audience-unknown":
        return (f"{who} kan nå {subject} via {how}: Graph oppgir verken omfang eller personer, så hvem det er, kan "
                f"ikke avgjøres; bare {allowed} har lov" if nb else
                f"{who} can reach {subject} through {how}: Graph's answer names no scope and no people, so who that "
                f"is cannot be told; only {allowed} may")
    if verdict == "unresolved":
        return (f"{who} når {subject} via {how}; om mottakeren hører til {allowed}, kan ikke avgjøres" if nb else
                f"{who} reaches {subject} through {how}; whether it belongs to {allowed} cannot be told")
    if verdict == "membership-unknown":
        return (f"{who} når {subject} via {how}; om vedkommende hører til {allowed}, er ukjent fordi et "
                "rollemedlemskap (eller registeret) ikke kunne leses" if nb else
                f"{who} reaches {subject} through {how}; whether it belongs to {allowed} is not known, because a "
                "role's membership (or the register) could not be read")
    return (f"{who} kan nå {subject} via {how}; bare {allowed} har lov" if nb else
            f"{who} can reach {subject} through {how}; only {allowed} may")


def _how(e: Mapping[str, str], lang: Language) -> str:
    i = _i(lang)
    if e.get("linkScope"):
        return _LINK.get(e["linkScope"], ("en delingslenke", "a sharing link"))[i]
    if e.get("viaGroup"):
        return (f"medlemskap i gruppen {short_ref(e['viaGroup'])}", f"membership of group {short_ref(e['viaGroup'])}")[i]
    if e.get("through") == "site group":
        return ("en tildeling via en SharePoint-gruppe", "a site-group grant")[i]
    return ("en direkte tildeling", "a direct grant")[i]


def _allowed(f: Finding, lang: Language) -> str:
    if f.rule_id == "c1.recruitment-access":
        return ("rekrutteringsrollen", "the recruiters role")[_i(lang)]
    if f.path is not None and f.path.strip("/"):  # inside a customer's folder: its contact persons too
        return ("kundens kontaktpersoner, ledelsen og salg", "the customer's contact persons, management and sales")[
            _i(lang)]
    return ("ledelsen og salg", "management and sales")[_i(lang)]


def _retention(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    months, deadline = e["months"], e["deadline"]
    if f.status == "warn":
        return (f"{subject} når {months}-månedersfristen {deadline}" if lang == "nb"
                else f"{subject} reaches its {months}-month deadline on {deadline}")
    return (f"{subject} er over {months}-månedersfristen: forfalt siden {deadline}" if lang == "nb"
            else f"{subject} is past its {months}-month deadline: due since {deadline}")


def _columns(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    if "column" in e:
        return (f"{subject}: kolonnen {e['column']} kan ikke leses" if lang == "nb"
                else f"{subject}: the column {e['column']} cannot be read")
    return (f"{subject} har verken søknadsdato eller opprettelsesdato: fristen kan ikke beregnes" if lang == "nb"
            else f"{subject} has neither an application date nor a creation date: its deadline cannot be computed")


def _outside_applicant(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    base = RULES[f.rule_id].message[_i(lang)].format(subject=subject).rstrip(".")
    if "deadlineFromCreation" in e:
        base += (f" (frist regnet fra opprettelsen: {e['deadlineFromCreation']})" if lang == "nb"
                 else f" (deadline from its creation: {e['deadlineFromCreation']})")
    return base


def _unregistered(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str | None:
    if f.title != "Customer folder without a register row":
        return (f"{subject} ligger ikke i noen kundemappe, så ingen avtale dekker den" if lang == "nb"
                else f"{subject} lies in no customer folder, so no agreement covers it")
    return None


def _duplicate(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    return (f"{subject} gjentar rad {e['duplicateOf']}" if lang == "nb" else f"{subject} duplicates row {e['duplicateOf']}")


def _invalid(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    columns = ", ".join(e["columns"].split(","))
    return (f"{subject}: kolonnene {columns} mangler eller kan ikke leses" if lang == "nb"
            else f"{subject}: the columns {columns} are missing or cannot be read")


def _contact(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str | None:
    if "contactName" in e:  # the address, only when the caller added it (a report with names)
        return (f"{subject} nevner kontaktpersonen {e['contactName']}, som ikke finnes i katalogen" if lang == "nb"
                else f"{subject} names the contact person {e['contactName']}, who is not in the directory")
    if "entries" in e:
        n = int(e["entries"])
        return (f"{subject}: {n} {'kontaktperson' if n == 1 else 'kontaktpersoner'} uten e-postadresse" if lang == "nb"
                else f"{subject}: {n} contact {'person' if n == 1 else 'persons'} without an e-mail address")
    return None


def _ended(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str | None:
    if f.status == "not_evaluated":
        return (f"om avtalen for {subject} er avsluttet, er ukjent: sluttdatoen kan ikke leses" if lang == "nb"
                else f"whether the agreement of {subject} has ended is not known: its end date cannot be read")
    agreement, dpa = e.get("agreement", "–"), e.get("dpa")
    days = e.get("deletionDays")
    if lang == "nb":
        terms = f"{days} dager etter slutt" if days else "ingen slettedager i registeret"
        return (f"avtalen {agreement} for {subject} ble avsluttet {e['ended']} og venter på avhending "
                f"(databehandleravtale {dpa or '(ingen registrert)'}: {terms}; frist {e['disposalDate']})")
    terms = f"{days} days after the end" if days else "no deletion days in the register"
    return (f"the agreement {agreement} of {subject} ended {e['ended']} and awaits disposition "
            f"(DPA {dpa or '(none registered)'}: {terms}; due {e['disposalDate']})")


def _disposal(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    due = f.due.isoformat() if f.due else "–"
    agreement = e.get("agreement", "–")
    return (f"{subject} under den avsluttede avtalen {agreement} er forfalt for avhending siden {due}" if lang == "nb"
            else f"{subject} of the ended agreement {agreement} is due for disposal since {due}")


def _statutory(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    until = f.keep_until.isoformat() if f.keep_until else e["ownKeepUntil"]
    cls, years, fiscal = statutory_class(e["class"], lang), e["years"].replace(".", ","), e["fiscalYearEnd"]
    if lang == "nb":
        text = (f"behold {subject} til {until}: bokføringsloven § 13 krever at {cls} oppbevares i {years} år etter "
                f"utgangen av regnskapsåret ({fiscal})")
        if "heldWith" in e:
            text += (f"; beholdes sammen med kundemappens {statutory_class(e.get('heldWithClass', ''), lang)} "
                     f"(element {short_ref(e['heldWith'])}), fordi en avtale som primærdokumentasjon viser til, selv er "
                     "primærdokumentasjon")
        return text
    text = (f"keep {subject} until {until}: bookkeeping law (bokføringsloven § 13) keeps {cls} {e['years']} years "
            f"after the end of its fiscal year ({fiscal})")
    if "heldWith" in e:
        text += (f"; held with the customer folder's {statutory_class(e.get('heldWithClass', ''), lang)} (item "
                 f"{short_ref(e['heldWith'])}), because an agreement that primary documentation refers to is itself "
                 "primary documentation")
    return text


def _coverage(f: Finding, e: Mapping[str, str], lang: Language, subject: str) -> str:
    what = operation(e["operation"], lang)
    if f.status == "info":
        return (f"{f.control} ble evaluert fra tilganger lest element for element ({subject}); ingenting gikk tapt"
                if lang == "nb" else
                f"{f.control} was evaluated from permissions read item by item ({subject}); nothing was lost")
    return (f"{f.control} er ikke evaluert for {subject}: {what} kunne ikke leses" if lang == "nb"
            else f"{f.control} is not evaluated for {subject}: {what} could not be read")


_MESSAGES: Mapping[str, Message] = MappingProxyType({
    "c1.recruitment-access": _access, "c3.customer-access": _access, "c2.applicant-retention": _retention,
    "c2.applicant-columns": _columns, "c2.outside-applicant-folder": _outside_applicant,
    "c4.unregistered-folder": _unregistered, "c4.duplicate-row": _duplicate, "c4.invalid-row": _invalid,
    "c4.unknown-contact": _contact, "c5.agreement-ended": _ended, "c5.disposal-due": _disposal,
    "c6.statutory-hold": _statutory, "coverage.not-evaluated": _coverage,
})
