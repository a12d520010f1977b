#!/usr/bin/env python3
"""Builds the protocol packages of the National Integrated Bio Big Data Project.

Writes assets/protocols/{rare,severe,general}.json: one FHIR R4 Bundle (type collection) per
participation type, holding the consent document, its legal-representative variant, the
comprehension check and the surveys as Questionnaires (see docs/FORMS.md).

The consent text, the comprehension check and the baseline survey are shared; the
type-specific wording and sections are chosen per participation type. Output is deterministic.

    python3 assets/protocols/src/build_packages.py          # rewrite the packages
    python3 assets/protocols/src/build_packages.py --check  # exit 1 if they are out of date

Standard library only.
"""

import json
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent
TYPES = ("rare", "severe", "general")
VERSION = "1.0.0"
TIMESTAMP = "2026-11-01T00:00:00+09:00"
BASE = "https://bbd.example.kr/fhir"
SD = BASE + "/StructureDefinition/"
HL7_SD = "http://hl7.org/fhir/StructureDefinition/"

SYS_SURVEY = BASE + "/CodeSystem/survey"
SYS_RETENTION = BASE + "/CodeSystem/retention-period"
SYS_COMP = BASE + "/CodeSystem/comprehension-answer"
SYS_GENDER = "http://hl7.org/fhir/administrative-gender"
SYS_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SYS_MARITAL = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"
SYS_ITEM_CONTROL = "http://hl7.org/fhir/questionnaire-item-control"
SYS_UCUM = "http://unitsofmeasure.org"

ICD10_REGEX = r"^[A-Z][0-9]{2}(\.[0-9]{1,2})?$"

# ---------------------------------------------------------------------------------------------
# Helpers: translated text, items, options, conditions
# ---------------------------------------------------------------------------------------------


def t(ko, en):
    """A text written in Korean with its English translation."""
    return (ko, en)


def translation(en):
    return {"extension": [{"url": HL7_SD + "translation",
                           "extension": [{"url": "lang", "valueCode": "en"},
                                         {"url": "content", "valueString": en}]}]}


def coding(system, code, text):
    return {"system": system, "code": code, "display": text[0], "_display": translation(text[1])}


def opt(code, text, system=SYS_SURVEY, correct=False):
    """An answerOption with a valueCoding (display translated)."""
    o = {}
    if correct:
        o["extension"] = [{"url": SD + "correct-answer", "valueBoolean": True}]
    o["valueCoding"] = coding(system, code, text)
    return o


def opts(pairs, system=SYS_SURVEY):
    return [opt(code, text, system) for code, text in pairs]


def ext_string(url, text):
    return {"url": url, "valueString": text[0], "_valueString": translation(text[1])}


UNITS = {
    "cm": t("cm", "cm"),
    "kg": t("kg", "kg"),
    "h": t("시간", "hours"),
    "min": t("분", "minutes"),
    "d": t("일", "days"),
    "a": t("세", "years"),
    "/d": t("회/일", "per day"),
}


def unit_ext(code, text=None):
    return {"url": HL7_SD + "questionnaire-unit",
            "valueCoding": coding(SYS_UCUM, code, text or UNITS[code])}


def control(code):
    return {"url": HL7_SD + "questionnaire-itemControl",
            "valueCodeableConcept": {"coding": [{"system": SYS_ITEM_CONTROL, "code": code}]}}


class When:
    """An enableWhen condition; the answer[x] is typed from the referenced question later."""

    def __init__(self, question, operator, value):
        self.question, self.operator, self.value = question, operator, value


def when(question, operator, value):
    return When(question, operator, value)


def eq(question, value):
    return When(question, "=", value)


VALUE_KEY = {"integer": "valueInteger", "decimal": "valueDecimal", "date": "valueDate"}


def item(link_id, item_type, text=None, *, options=None, required=False, repeats=False,
         ctrl=None, unit=None, unit_text=None, min_value=None, max_value=None, decimals=None,
         max_length=None, regex=None, entry=None, enable=None, behavior=None, ext=None,
         children=None):
    """One Questionnaire item, its keys always in the same order."""
    extensions = []
    if ctrl:
        extensions.append(control(ctrl))
    if unit:
        extensions.append(unit_ext(unit, unit_text))
    if min_value is not None:
        extensions.append({"url": HL7_SD + "minValue", VALUE_KEY[item_type]: min_value})
    if max_value is not None:
        extensions.append({"url": HL7_SD + "maxValue", VALUE_KEY[item_type]: max_value})
    if decimals is not None:
        extensions.append({"url": HL7_SD + "maxDecimalPlaces", "valueInteger": decimals})
    if entry:
        extensions.append(ext_string(HL7_SD + "entryFormat", entry))
    if regex:
        extensions.append({"url": HL7_SD + "regex", "valueString": regex})
    extensions.extend(ext or [])

    it = {}
    if extensions:
        it["extension"] = extensions
    it["linkId"] = link_id
    if text:
        it["text"] = text[0]
        it["_text"] = translation(text[1])
    it["type"] = item_type
    if enable:
        conds = enable if isinstance(enable, list) else [enable]
        it["enableWhen"] = conds  # resolved to FHIR by resolve_enable_when()
        if len(conds) > 1:
            it["enableBehavior"] = behavior or "all"
    if required:
        it["required"] = True
    if repeats:
        it["repeats"] = True
    if max_length is not None:
        it["maxLength"] = max_length
    if options:
        it["answerOption"] = options
    if children:
        it["item"] = children
    return it


def group(link_id, text, children, **kw):
    return item(link_id, "group", text, children=children, **kw)


def display(link_id, text, **kw):
    return item(link_id, "display", text, **kw)


def notes(prefix, texts):
    """Display items prefix.n1, prefix.n2, ... one per notice paragraph."""
    return [display(f"{prefix}.n{i}", x) for i, x in enumerate(texts, 1)]


def boolean(link_id, text, **kw):
    return item(link_id, "boolean", text, **kw)


def integer(link_id, text, lo, hi, unit=None, **kw):
    return item(link_id, "integer", text, min_value=lo, max_value=hi, unit=unit, **kw)


def decimal(link_id, text, lo, hi, unit=None, **kw):
    return item(link_id, "decimal", text, min_value=float(lo), max_value=float(hi), unit=unit,
                decimals=1, **kw)


def string(link_id, text, max_length=100, **kw):
    return item(link_id, "string", text, max_length=max_length, **kw)


def choice(link_id, text, options, **kw):
    kw.setdefault("ctrl", "radio-button")
    return item(link_id, "choice", text, options=options, **kw)


def checkboxes(link_id, text, options, **kw):
    return item(link_id, "choice", text, options=options, repeats=True, ctrl="check-box", **kw)


def dropdown(link_id, text, options, **kw):
    return item(link_id, "choice", text, options=options, ctrl="drop-down", **kw)


ENTRY_NUMBER = t("숫자로 적어 주십시오", "Enter a number")
ENTRY_DATE = t("예: 2024-03-15", "e.g. 2024-03-15")

YES_NO_UNKNOWN = [("yes", t("예", "Yes")), ("no", t("아니요", "No")),
                  ("unknown", t("잘 모르겠습니다", "I don't know"))]


def questionnaire(ptype, name, role, title, items):
    qid = f"{ptype}-{name}"
    return {
        "resourceType": "Questionnaire",
        "id": qid,
        "extension": [
            {"url": SD + "protocol-role", "valueCode": role},
            {"url": SD + "translation-languages", "valueCode": "en"},
        ],
        "url": f"{BASE}/Questionnaire/{qid}",
        "version": VERSION,
        "name": "".join(part.capitalize() for part in qid.split("-")),
        "title": title[0],
        "_title": translation(title[1]),
        "status": "active",
        "subjectType": ["Patient"],
        "date": TIMESTAMP,
        "language": "ko",
        "item": items,
    }


# ---------------------------------------------------------------------------------------------
# Consent documents (participant and legal representative)
# ---------------------------------------------------------------------------------------------

TYPE_NAME = {
    "rare": t("희귀질환자용", "for people with a rare disease"),
    "severe": t("중증질환자용", "for people with a severe disease"),
    "general": t("일반참여자용", "for general participants"),
}


def consent_document(ptype, rep):
    """The consent Questionnaire; rep=True words it for a legal representative of a minor."""
    P = "rep" if rep else "consent"

    def v(self_text, rep_text):
        return rep_text if rep else self_text

    collects_rrn = ptype in ("rare", "severe")
    items = []

    if rep:
        items.append(group(f"{P}.representative", t("법정대리인께 드리는 안내", "For the legal representative"), notes(f"{P}.representative", [
            t("이 동의서는 만 19세 미만인 참여자를 대신하여 법정대리인께서 작성하시는 동의서입니다.",
              "This form is for a legal representative who signs for a participant under 19 years of age."),
            t("이 동의서에서 '참여자'는 법정대리인께서 대신 동의하시는 미성년자를 말합니다.",
              "In this form, 'the participant' means the minor you are signing for."),
            t("참여자가 알아들을 수 있는 말로 이 사업을 설명해 주시고, 참여자의 뜻도 존중해 주십시오. 참여자가 원하지 않으면 참여하지 않아도 됩니다.",
              "Please explain this project to the participant in words they can understand, and respect their wishes. If the participant does not want to take part, they do not have to."),
            t("참여자가 만 19세가 되면 본인에게 다시 설명하고, 계속 참여할지 본인의 동의를 받습니다.",
              "When the participant turns 19, we will explain the project again and ask the participant directly whether to continue."),
            t("법정대리인임을 확인하기 위해 법정대리인의 이름과 연락처도 함께 기록합니다.",
              "To confirm that you are the legal representative, we also record your name and contact details."),
        ]) + [
            choice(f"{P}.representative.relationship", t("참여자와 어떤 관계이십니까?", "What is your relationship to the participant?"),
                   opts([("MTH", t("어머니", "Mother")),
                         ("FTH", t("아버지", "Father")),
                         ("GUARD", t("후견인", "Guardian")),
                         ("FAMMEMB", t("그 밖의 가족", "Other family member"))], SYS_ROLE),
                   required=True),
        ]))

    why_you = {
        "rare": v(t("귀하께서는 희귀질환으로 본 병원에서 진료를 받고 계셔서 참여를 부탁드립니다.",
                    "We are asking you because you are being treated at this hospital for a rare disease."),
                  t("참여자가 희귀질환으로 본 병원에서 진료를 받고 있어서 참여를 부탁드립니다.",
                    "We are asking because the participant is being treated at this hospital for a rare disease.")),
        "severe": v(t("귀하께서는 암, 심장질환, 뇌혈관질환과 같은 중증질환으로 본 병원에서 진료를 받고 계셔서 참여를 부탁드립니다.",
                      "We are asking you because you are being treated at this hospital for a severe disease, such as cancer, heart disease or stroke."),
                    t("참여자가 암, 심장질환, 뇌혈관질환과 같은 중증질환으로 본 병원에서 진료를 받고 있어서 참여를 부탁드립니다.",
                      "We are asking because the participant is being treated at this hospital for a severe disease, such as cancer, heart disease or stroke.")),
        "general": v(t("병이 있는 분과 없는 분을 비교하려면 일반 국민의 자료도 꼭 필요합니다. 그래서 귀하께 참여를 부탁드립니다.",
                       "To compare people with and without disease, we also need information from the general public. That is why we are asking you."),
                     t("병이 있는 사람과 없는 사람을 비교하려면 일반 국민의 자료도 꼭 필요합니다. 그래서 참여자에게 참여를 부탁드립니다.",
                       "To compare people with and without disease, we also need information from the general public. That is why we are asking the participant.")),
    }[ptype]

    items.append(group(f"{P}.intro", t("사업 안내", "About this project"), notes(f"{P}.intro", [
        t("국가 통합 바이오 빅데이터 구축사업은 건강 정보, 유전체 정보, 혈액과 소변을 모아 연구에 쓰는 국가 사업입니다.",
          "The National Integrated Bio Big Data Project is a national project. It gathers health information, genome information, blood and urine for research."),
        t("전국 38개 병원에서 약 77만 2천 명의 참여자를 모십니다.",
          "About 772,000 volunteers are taking part at 38 hospitals across Korea."),
        t("모은 자료는 병의 원인을 밝히고, 더 나은 진단과 치료 방법을 찾는 연구에 쓰입니다.",
          "The information is used in research to find the causes of diseases and better ways to diagnose and treat them."),
        why_you,
        v(t("참여 여부는 귀하께서 자유롭게 정하십니다. 참여하지 않으셔도 본 병원의 진료에는 아무런 불이익이 없습니다.",
            "It is your free choice whether to take part. If you do not take part, your care at this hospital will not be affected in any way."),
          t("참여 여부는 법정대리인께서 참여자와 함께 자유롭게 정하십니다. 참여하지 않아도 참여자의 진료에는 아무런 불이익이 없습니다.",
            "You and the participant decide freely whether to take part. If the participant does not take part, their care will not be affected in any way.")),
        t("이 동의서는 항목마다 따로 동의를 받습니다. '필수' 항목에 모두 동의하셔야 참여할 수 있고, '선택' 항목은 동의하지 않으셔도 참여할 수 있습니다.",
          "This form asks for consent item by item. You must agree to every 'required' item to take part. You can take part without agreeing to the 'optional' items."),
        t("이 사업은 본 병원 기관생명윤리위원회(IRB)의 심의를 거쳐 승인을 받았습니다.",
          "This project was reviewed and approved by this hospital's Institutional Review Board (IRB)."),
        t("궁금한 점은 언제든지 연구 담당자에게 물어보십시오. 충분히 이해하신 뒤에 동의해 주십시오.",
          "Please ask the research staff any questions at any time. Please agree only after you fully understand."),
    ])))

    # Each consent item: (key, provision, mandatory, heading, notices, question).
    # Retention (a choice) is added separately at the end.
    never_given = (t("이름, 주민등록번호, 주소, 전화번호", "name, resident registration number, address and phone number")
                   if collects_rrn else t("이름, 주소, 전화번호", "name, address and phone number"))
    whose = v(t("귀하", "Your"), t("참여자", "The participant's"))
    if collects_rrn:
        linkage_how = t("정확하게 연결하기 위해 주민등록번호를 사용합니다. 주민등록번호 처리는 아래에서 따로 동의를 받습니다.",
                        "To link the data accurately, we use the resident registration number. We ask for separate consent to this below.")
    else:
        linkage_how = t("주민등록번호는 받지 않습니다. 이름, 생년월일, 성별 등 꼭 필요한 정보만으로 연결합니다.",
                        "We do not collect the resident registration number. Only the necessary details, such as name, date of birth and sex, are used for linking.")

    entries = [
        ("participation", "participation", True, t("사업 참여", "Taking part in the project"), [
            t("참여하면 이 동의서 작성, 설문 응답(약 20~30분), 혈액과 소변 채취를 합니다.",
              "Taking part means signing this form, answering a survey (about 20 to 30 minutes), and giving blood and urine."),
            t("본 병원의 진료 기록과 공공기관의 건강 자료도 함께 모읍니다. 자세한 내용은 아래 항목에서 설명합니다.",
              "We also gather records from this hospital and health data from public agencies. The items below explain this in detail."),
            t("참여에 드는 비용은 없습니다.", "Taking part costs nothing."),
            t("참여자에게 직접 돌아가는 치료 효과는 없을 수 있습니다. 그러나 연구 결과는 앞으로 같은 병을 앓는 분들께 도움이 될 수 있습니다.",
              "Taking part may not help the participant directly. But the research results may help people with the same diseases in the future."),
        ], v(t("이 사업에 참여하는 데 동의하십니까?", "Do you agree to take part in this project?"),
             t("참여자가 이 사업에 참여하는 데 동의하십니까?", "Do you agree to the participant taking part in this project?"))),

        ("biobank", "biobank-donation", True, t("혈액·소변 기증과 보관", "Giving and storing blood and urine"), [
            t("무엇을: 혈액 약 30mL(밥숟가락 두 개 정도)와 소변 한 컵을 받습니다.",
              "What: We take about 30 mL of blood (about two tablespoons) and one cup of urine."),
            t("왜: 혈액에서 유전체(DNA)를 얻고, 혈액과 소변으로 여러 가지 검사를 하여 연구에 씁니다.",
              "Why: We get DNA from the blood and run various tests on the blood and urine for research."),
            t("어디에: 국가가 관리하는 인체자원은행(바이오뱅크)에 안전하게 보관합니다. 이름 대신 고유 번호를 붙여 보관합니다.",
              "Where: They are kept safely in a biobank managed by the government. They are labeled with a code number, not a name."),
            t("위험: 피를 뽑을 때 따끔하거나 멍이 들 수 있고, 드물게 어지러울 수 있습니다.",
              "Risks: A blood draw may sting or leave a bruise. Rarely, it may cause dizziness."),
            t("기증한 혈액과 소변으로 연구에서 특허 등 경제적 이익이 생기더라도, 그 이익은 참여자에게 돌아가지 않습니다.",
              "If the research with the donated blood and urine leads to financial gain, such as a patent, that gain does not go to the participant."),
        ], v(t("혈액과 소변을 기증하고 바이오뱅크에 보관하는 데 동의하십니까?",
               "Do you agree to give blood and urine and to have them stored in the biobank?"),
             t("참여자의 혈액과 소변을 기증하고 바이오뱅크에 보관하는 데 동의하십니까?",
               "Do you agree to the participant's blood and urine being donated and stored in the biobank?"))),

        ("genome", "whole-genome", True, t("전장 유전체 분석", "Whole-genome analysis"), [
            t("전장 유전체 분석은 혈액에서 얻은 유전체(DNA) 전체를 읽는 검사입니다.",
              "Whole-genome analysis reads all of the DNA taken from the blood."),
            t("왜: 유전자가 병에 어떤 영향을 주는지 밝히는 연구에 씁니다.",
              "Why: It is used to study how genes affect disease."),
            t("유전 정보는 가족과 일부가 같습니다. 그래서 분석 결과가 가족의 건강에 대해서도 무언가를 알려 줄 수 있습니다.",
              "Family members share part of their genes. So the results can also say something about the family's health."),
            t("위험: 유전 정보가 알려지면 사생활이 침해될 수 있습니다. 그래서 이름을 지우고 번호로만 관리하며, 엄격한 보안 속에 보관합니다.",
              "Risk: If genetic information became known, privacy could be harmed. So we remove names, use only code numbers, and keep the data under strict security."),
            t("법은 유전 정보를 이유로 교육, 고용, 보험 등에서 사람을 차별하는 것을 금지하고 있습니다.",
              "The law forbids discrimination in education, employment, insurance and so on because of genetic information."),
        ], v(t("전장 유전체 분석에 동의하십니까?", "Do you agree to whole-genome analysis?"),
             t("참여자의 전장 유전체 분석에 동의하십니까?", "Do you agree to whole-genome analysis of the participant's DNA?"))),

        ("clinical", "clinical-records", True, t("본 병원 진료 기록 수집", "Collecting records from this hospital"), [
            t("무엇을: 본 병원의 진단명, 검사 결과, 영상 검사 판독 결과, 처방, 수술과 치료 기록을 모읍니다.",
              "What: Diagnoses, test results, imaging reports, prescriptions, and surgery and treatment records from this hospital."),
            t("어떤 기록을: 참여 전의 기록과, 참여 뒤 사업이 끝날 때까지 새로 생기는 기록을 모읍니다.",
              "Which records: Records from before joining, and new records made until the project ends."),
            t("왜: 병의 경과와 치료 결과를 유전 정보와 함께 연구하기 위해서입니다.",
              "Why: To study the course of illness and the results of treatment together with genetic information."),
            t("진료 기록은 이름 대신 고유 번호를 붙여 보냅니다.",
              "Records are sent with a code number instead of a name."),
        ], v(t("본 병원의 진료 기록을 모으는 데 동의하십니까?",
               "Do you agree to us collecting your records from this hospital?"),
             t("본 병원에 있는 참여자의 진료 기록을 모으는 데 동의하십니까?",
               "Do you agree to us collecting the participant's records from this hospital?"))),

        ("linkage", "public-data-linkage", True, t("공공기관 자료 연계", "Linking with public agency data"), [
            t("다음 공공기관이 가진 건강 자료를 이 사업의 자료와 연결합니다.",
              "We will link health data held by the following public agencies with this project's data."),
            t("국민건강보험공단: 건강검진 결과, 병원 이용 기록",
              "National Health Insurance Service: health check-up results and records of hospital use"),
            t("건강보험심사평가원: 진료와 처방 내역",
              "Health Insurance Review and Assessment Service: records of medical care and prescriptions"),
            t("통계청: 사망 여부와 사망 원인",
              "Statistics Korea: whether a person has died, and the cause of death"),
            t("질병관리청: 예방접종, 감염병 등 건강 관련 기록",
              "Korea Disease Control and Prevention Agency: vaccination, infectious disease and other health records"),
            linkage_how,
            t("연결은 법에서 정한 전문기관이 가명처리하여 안전하게 합니다. 연결은 보관 기간 동안 정기적으로 합니다.",
              "Linking is done safely by a specialized agency designated by law, using pseudonymized data. It is repeated regularly during the storage period."),
        ], v(t("공공기관 자료와 연계하는 데 동의하십니까?", "Do you agree to linking with public agency data?"),
             t("참여자의 자료를 공공기관 자료와 연계하는 데 동의하십니까?",
               "Do you agree to linking the participant's data with public agency data?"))),

        ("researchers", "researcher-provision", True, t("국내 연구자에게 제공", "Sharing with researchers in Korea"), [
            t("모은 자료와 검체는 국내 대학, 병원, 연구기관, 기업의 연구자에게 제공될 수 있습니다.",
              "The data and samples may be shared with researchers at universities, hospitals, research institutes and companies in Korea."),
            t("연구 계획은 먼저 심의위원회의 검토를 받습니다. 승인된 연구에만 제공합니다.",
              "A review committee checks each research plan first. Only approved studies receive anything."),
            t(f"{whose[0]}의 {never_given[0]}는 연구자에게 절대 주지 않습니다. 연구자는 번호로만 된 자료를 받습니다.",
              f"{whose[1]} {never_given[1]} are never given to researchers. Researchers receive data marked only with code numbers."),
            t("연구자는 보안이 갖추어진 환경에서만 자료를 씁니다. 참여자가 누구인지 알아내려는 시도는 법으로 금지되어 있습니다.",
              "Researchers use the data only in a secure environment. The law forbids trying to find out who a participant is."),
            t("연구 결과는 논문 등으로 발표될 수 있습니다. 이때 참여자가 누구인지 알 수 있는 정보는 나오지 않습니다.",
              "Results may be published, for example in scientific journals. They never show who a participant is."),
        ], v(t("국내 연구자에게 자료와 검체를 제공하는 데 동의하십니까?",
               "Do you agree to sharing data and samples with researchers in Korea?"),
             t("참여자의 자료와 검체를 국내 연구자에게 제공하는 데 동의하십니까?",
               "Do you agree to sharing the participant's data and samples with researchers in Korea?"))),

        ("sensitive", "sensitive-information", True, t("민감정보 처리", "Processing sensitive information"), [
            t("건강 정보와 유전 정보는 개인정보 보호법 제23조에서 정한 '민감정보'입니다. 그래서 다른 항목과 따로 동의를 받습니다.",
              "Health and genetic information are 'sensitive information' under Article 23 of the Personal Information Protection Act. So we ask for this consent separately."),
            t("처리하는 민감정보: 질병과 진료에 관한 정보, 설문에 답한 건강 정보, 유전체 분석으로 얻은 유전 정보",
              "Sensitive information we process: information on illness and medical care, health answers in the survey, and genetic information from genome analysis"),
            t("목적: 이 동의서에서 설명한 연구에만 씁니다.",
              "Purpose: Only for the research explained in this form."),
            t("보관 기간: 아래 보관 기간 항목에서 고른 기간 동안 보관합니다.",
              "How long: For the period chosen in the storage period item below."),
            t("동의하지 않으실 수 있습니다. 다만 이 정보 없이는 사업을 할 수 없으므로, 동의하지 않으시면 참여할 수 없습니다.",
              "You may refuse. But the project cannot work without this information, so refusing means the participant cannot take part."),
        ], v(t("민감정보(건강 정보와 유전 정보)를 처리하는 데 동의하십니까?",
               "Do you agree to the processing of sensitive information (health and genetic information)?"),
             t("참여자의 민감정보(건강 정보와 유전 정보)를 처리하는 데 동의하십니까?",
               "Do you agree to the processing of the participant's sensitive information (health and genetic information)?"))),
    ]

    if collects_rrn:
        entries.append(("rrn", "resident-registration-number", True,
                        t("주민등록번호 처리", "Processing the resident registration number"), [
            t("주민등록번호는 법령에서 허용하는 경우에만 처리할 수 있습니다(개인정보 보호법 제24조의2). 그래서 따로 알려 드리고 동의를 받습니다.",
              "A resident registration number may be processed only where laws and regulations allow it (Personal Information Protection Act, Article 24-2). So we tell you about it and ask for consent separately."),
            t("목적: 공공기관 자료를 정확하게 연결하는 데에만 씁니다.",
              "Purpose: Only to link public agency data accurately."),
            t("주민등록번호는 암호화하여 따로 보관하고, 연결할 때에만 씁니다. 연구자에게는 절대 주지 않습니다.",
              "It is encrypted, kept separately and used only for linking. It is never given to researchers."),
            t("보관 기간: 자료 연계에 필요한 기간 동안만 보관하고, 그 뒤에는 지웁니다.",
              "How long: Only as long as needed for linking. After that, it is deleted."),
            t("동의하지 않으시면 공공기관 자료를 연결할 수 없어 참여할 수 없습니다.",
              "If you refuse, public agency data cannot be linked, so the participant cannot take part."),
        ], v(t("주민등록번호를 처리하는 데 동의하십니까?", "Do you agree to the processing of your resident registration number?"),
             t("참여자의 주민등록번호를 처리하는 데 동의하십니까?",
               "Do you agree to the processing of the participant's resident registration number?"))))

    optional_ok = t("동의하지 않으셔도 사업에 참여할 수 있습니다.", "You can still take part if you say no.")
    entries += [
        ("overseas", "overseas-provision", False, t("해외 연구자에게 제공", "Sharing with researchers abroad"), [
            t("국제 공동 연구를 위해 해외 연구자에게 자료를 제공할 수 있습니다.",
              "For international joint research, data may be shared with researchers in other countries."),
            t("해외에는 이름 등을 지운 가명 자료만 제공합니다. 혈액과 소변 검체는 해외로 보내지 않습니다.",
              "Only pseudonymized data, with names and similar details removed, are shared abroad. Blood and urine samples are not sent abroad."),
            t("심의위원회의 승인을 받은 연구에만 제공합니다. 받는 나라와 기관, 보호 조치는 정해지는 대로 사업 누리집에 알립니다.",
              "Data are shared only for studies approved by the review committee. The receiving countries, institutions and safeguards are posted on the project website as they are decided."),
            t("나라마다 개인정보를 보호하는 수준이 다를 수 있습니다.",
              "Privacy protection may differ from country to country."),
            optional_ok,
        ], v(t("해외 연구자에게 자료를 제공하는 데 동의하십니까?", "Do you agree to sharing data with researchers abroad?"),
             t("참여자의 자료를 해외 연구자에게 제공하는 데 동의하십니까?",
               "Do you agree to sharing the participant's data with researchers abroad?"))),

        ("recontact", "recontact", False, t("다시 연락받기", "Being contacted again"), [
            t("추적 조사, 추가 설문이나 검체 요청, 새로운 연구 안내를 위해 전화, 문자, 우편으로 다시 연락드릴 수 있습니다.",
              "We may contact you again by phone, text message or mail for follow-up, extra surveys or samples, or news of new studies."),
            t("연락을 받으셔도 그때마다 참여 여부를 다시 정하실 수 있습니다.",
              "Each time, you can decide again whether to take part."),
            t("연락을 위해 전화번호와 주소를 보관합니다. 연락처는 연구자에게 주지 않습니다.",
              "We keep a phone number and address for this. Contact details are not given to researchers."),
            optional_ok,
        ], v(t("다시 연락받는 데 동의하십니까?", "Do you agree to be contacted again?"),
             t("참여자나 법정대리인께 다시 연락드리는 데 동의하십니까?",
               "Do you agree to us contacting the participant or you again?"))),

        ("findings", "return-of-findings", False, t("중요한 유전체 분석 결과 알림", "Being told about important genetic findings"), [
            t("분석 중에 건강에 중요한 유전 정보가 발견될 수 있습니다. 예를 들어 특정 암이나 심장병의 위험을 크게 높이지만, 예방하거나 치료할 방법이 있는 경우입니다.",
              "The analysis may find genetic information that matters for health. For example, something that greatly raises the risk of certain cancers or heart disease, where prevention or treatment is possible."),
            t("이런 결과는 병원 검사로 한 번 더 확인한 뒤, 의료진이 설명해 드립니다. 필요하면 유전 상담을 받으실 수 있습니다.",
              "Such a finding is first confirmed by a hospital test. Then a doctor explains it. Genetic counseling is available if needed."),
            t("모든 결과를 알려 드리는 것은 아닙니다. 알려 드리기까지 오래 걸릴 수 있고, 알려 드릴 결과가 없을 수도 있습니다.",
              "Not every result is reported. It may take a long time, and there may be nothing to report."),
            t("결과를 알게 되면 걱정이 생길 수 있고, 가족에게도 영향이 있을 수 있습니다.",
              "Learning a result may cause worry, and it may also affect the family."),
            v(t("동의하지 않으셔도 사업에 참여할 수 있습니다. 나중에 마음을 바꾸실 수도 있습니다.",
                "You can still take part if you say no. You can also change your mind later."),
              t("참여자가 미성년자인 동안에는 결과를 법정대리인께 알려 드립니다. 동의하지 않으셔도 사업에 참여할 수 있습니다.",
                "While the participant is a minor, results are given to you as the legal representative. The participant can still take part if you say no.")),
        ], v(t("건강에 중요한 유전체 분석 결과를 알려 드리기를 원하십니까?",
               "Do you want to be told about genetic findings that are important for your health?"),
             t("참여자의 건강에 중요한 유전체 분석 결과를 알려 드리기를 원하십니까?",
               "Do you want to be told about genetic findings that are important for the participant's health?"))),
    ]

    number = 0
    for key, provision, mandatory, heading, texts, question in entries:
        number += 1
        label = t("필수", "required") if mandatory else t("선택", "optional")
        title = t(f"{number}. {heading[0]} ({label[0]})", f"{number}. {heading[1]} ({label[1]})")
        ext = [{"url": SD + "consent-provision", "valueCode": provision}]
        if mandatory:
            ext.append({"url": SD + "consent-mandatory", "valueBoolean": True})
        items.append(group(f"{P}.{key}", title, notes(f"{P}.{key}", texts) + [
            boolean(f"{P}.{key}.agree", question, required=mandatory, ext=ext),
        ]))

    number += 1
    items.append(group(f"{P}.retention", t(f"{number}. 보관 기간", f"{number}. How long samples and data are kept"), notes(f"{P}.retention", [
        t("혈액, 소변과 자료를 얼마나 오래 보관할지 골라 주십시오.",
          "Please choose how long the blood, urine and data may be kept."),
        t("보관 기간이 끝나면 검체는 폐기하고, 자료는 지웁니다.",
          "When the period ends, the samples are destroyed and the data are deleted."),
        t("보관 기간 중에도 언제든지 동의를 철회하실 수 있습니다.",
          "You can withdraw consent at any time during this period."),
    ]) + [
        choice(f"{P}.retention.period", t("보관 기간을 골라 주십시오.", "Please choose the storage period."),
               opts([("project-end", t("사업이 끝날 때까지", "Until the project ends")),
                     ("10-years", t("10년", "10 years")),
                     ("until-withdrawal", t("영구 보관 (동의를 철회할 때까지)", "Permanently, until consent is withdrawn"))],
                    SYS_RETENTION),
               required=True, ext=[{"url": SD + "consent-provision", "valueCode": "retention-period"}]),
    ]))

    optional_names = t("해외 제공, 다시 연락받기, 결과 알림", "sharing abroad, being contacted again, being told findings")
    rights = [
        v(t("각 항목에 동의하지 않을 권리가 있습니다. 동의하지 않으셔도 본 병원의 진료에는 아무런 불이익이 없습니다.",
            "You have the right to refuse each item. Refusing will not affect your care at this hospital in any way."),
          t("각 항목에 동의하지 않을 권리가 있습니다. 동의하지 않아도 참여자의 진료에는 아무런 불이익이 없습니다.",
            "You have the right to refuse each item. Refusing will not affect the participant's care in any way.")),
        t("다만 '필수' 항목에 동의하지 않으시면 이 사업에는 참여할 수 없습니다.",
          "But if a 'required' item is refused, the participant cannot take part in this project."),
        t("참여한 뒤에도 언제든지 이유를 말하지 않고 동의를 철회하실 수 있습니다. 철회해도 불이익은 없습니다.",
          "Even after joining, consent can be withdrawn at any time without giving a reason. There is no penalty for withdrawing."),
        t("철회하시려면 연구 담당자에게 말씀하시거나 사업 안내 전화로 연락하십시오.",
          "To withdraw, tell the research staff or call the project's helpline."),
        t("철회하시면 보관 중인 혈액과 소변은 폐기하고, 자료는 지웁니다.",
          "After withdrawal, the stored blood and urine are destroyed and the data are deleted."),
        t("다만 이미 연구자에게 제공되었거나 누구인지 알 수 없게 처리된 자료, 이미 발표된 연구 결과는 되돌릴 수 없습니다.",
          "However, data already given to researchers or made anonymous, and results already published, cannot be taken back."),
        t(f"선택 항목({optional_names[0]})만 따로 철회하실 수도 있습니다.",
          f"You can also withdraw from only the optional items ({optional_names[1]})."),
    ]
    if rep:
        rights.append(t("참여자가 만 19세가 되면 참여자 본인이 직접 계속 참여하거나 철회할 수 있습니다.",
                        "When the participant turns 19, the participant can decide directly to continue or to withdraw."))
    rights += [
        t("서명하신 동의서의 사본을 드립니다.", "You will receive a copy of the signed consent form."),
        t("참여자의 권리에 대해 궁금한 점은 본 병원 기관생명윤리위원회(IRB)에 물어보실 수 있습니다.",
          "For questions about participants' rights, you can contact this hospital's Institutional Review Board (IRB)."),
    ]
    items.append(group(f"{P}.rights", t("동의하지 않을 권리와 동의 철회", "The right to say no and to withdraw"),
                       notes(f"{P}.rights", rights)))

    name = "consent-representative" if rep else "consent"
    base_title = t("국가 통합 바이오 빅데이터 구축사업 참여 동의서", "Consent to Take Part in the National Integrated Bio Big Data Project")
    who = v(TYPE_NAME[ptype], t(f"법정대리인용, {TYPE_NAME[ptype][0]}", f"for a legal representative, {TYPE_NAME[ptype][1]}"))
    title = t(f"{base_title[0]} ({who[0]})", f"{base_title[1]} ({who[1]})")
    return questionnaire(ptype, name, name, title, items)


# ---------------------------------------------------------------------------------------------
# Comprehension check (shared)
# ---------------------------------------------------------------------------------------------

UNSURE = ("unsure", t("잘 모르겠습니다", "I am not sure"))


def comprehension(ptype):
    def question(key, text, options, correct, explanation):
        return item(f"comp.{key}", "choice", text, required=True, ctrl="radio-button",
                    options=[opt(code, label, SYS_COMP, correct=(code == correct)) for code, label in options],
                    ext=[ext_string(SD + "explanation", explanation)])

    items = [
        question("withdraw", t("동의한 뒤에도 언제든지 참여를 그만둘 수 있습니까?",
                               "After agreeing, can the participant stop taking part at any time?"),
                 [("yes", t("예, 언제든지 그만둘 수 있습니다", "Yes, at any time")),
                  ("no", t("아니요, 사업이 끝날 때까지 그만둘 수 없습니다", "No, not until the project ends")),
                  UNSURE], "yes",
                 t("참여자는 언제든지, 이유를 말하지 않고 그만둘 수 있습니다. 그만두어도 불이익은 없습니다.",
                   "The participant can stop at any time without giving a reason. There is no penalty.")),
        question("treatment", t("본 병원에서 치료를 받으려면 이 사업에 꼭 참여해야 합니까?",
                                "Must the participant join this project to be treated at this hospital?"),
                 [("no", t("아니요, 참여와 치료는 상관이 없습니다", "No, treatment does not depend on taking part")),
                  ("yes", t("예, 참여해야 치료를 받을 수 있습니다", "Yes, treatment requires taking part")),
                  UNSURE], "no",
                 t("참여하지 않아도 본 병원의 진료는 똑같이 받습니다.",
                   "Care at this hospital is the same whether or not the participant takes part.")),
        question("specimens", t("참여를 그만두면 보관 중인 혈액과 소변은 어떻게 됩니까?",
                                "If the participant stops, what happens to the stored blood and urine?"),
                 [("kept", t("그대로 계속 보관합니다", "They are kept as they are")),
                  ("destroyed", t("폐기합니다", "They are destroyed")),
                  ("handed-over", t("다른 연구자에게 넘깁니다", "They are handed over to other researchers")),
                  UNSURE], "destroyed",
                 t("그만두시면 보관 중인 혈액과 소변은 폐기하고, 자료는 지웁니다.",
                   "After stopping, the stored blood and urine are destroyed and the data are deleted.")),
        question("name", t("연구자는 참여자의 이름을 알게 됩니까?", "Will researchers learn the participant's name?"),
                 [("with-name", t("예, 이름과 함께 자료를 받습니다", "Yes, they receive the data with the name")),
                  ("coded-only", t("아니요, 번호로만 된 자료를 받습니다", "No, they receive data with code numbers only")),
                  UNSURE], "coded-only",
                 t("연구자는 이름이나 연락처 없이, 번호로만 된 자료를 받습니다.",
                   "Researchers receive only data marked with code numbers, without names or contact details.")),
        question("benefit", t("이 사업에 참여하면 참여자의 건강에 직접적인 이득이 있습니까?",
                              "Does taking part bring the participant a direct health benefit?"),
                 [("cure", t("예, 참여하면 병이 치료됩니다", "Yes, taking part treats illness")),
                  ("no-direct-benefit", t("직접적인 이득은 없을 수 있지만, 앞으로 다른 분들께 도움이 될 수 있습니다",
                                          "There may be no direct benefit, but it may help others in the future")),
                  UNSURE], "no-direct-benefit",
                 t("이 사업은 치료가 아니라 연구입니다. 직접적인 이득은 없을 수 있지만, 연구 결과가 앞으로 많은 분들께 도움이 될 수 있습니다.",
                   "This project is research, not treatment. There may be no direct benefit, but the results may help many people in the future.")),
        question("published", t("참여를 그만두면, 이미 발표된 연구 결과에서도 참여자의 자료를 뺄 수 있습니까?",
                                "If the participant stops, can their data be taken out of results already published?"),
                 [("yes", t("예, 발표된 결과에서도 모두 뺍니다", "Yes, it is taken out of published results too")),
                  ("no", t("아니요, 이미 발표된 결과는 되돌릴 수 없습니다", "No, published results cannot be taken back")),
                  UNSURE], "no",
                 t("이미 연구자에게 제공되었거나 발표된 결과는 되돌릴 수 없습니다. 그 밖의 자료는 지웁니다.",
                   "Data already given to researchers, and results already published, cannot be taken back. Other data are deleted.")),
        question("optional", t("'선택' 항목(예: 해외 제공)에 동의하지 않아도 참여할 수 있습니까?",
                               "Can the participant take part without agreeing to 'optional' items, such as sharing abroad?"),
                 [("yes", t("예, 참여할 수 있습니다", "Yes, they can take part")),
                  ("no", t("아니요, 모든 항목에 동의해야 합니다", "No, every item must be agreed to")),
                  UNSURE], "yes",
                 t("'선택' 항목은 동의하지 않아도 참여할 수 있습니다. '필수' 항목에는 모두 동의해야 합니다.",
                   "Optional items can be refused and the participant can still take part. Every 'required' item must be agreed to.")),
    ]
    return questionnaire(ptype, "comprehension", "comprehension",
                         t("동의서 내용 확인", "Checking your understanding of the consent form"), items)


# ---------------------------------------------------------------------------------------------
# Baseline survey (shared by every participation type)
# ---------------------------------------------------------------------------------------------

HISTORY_CONDITIONS = [
    ("hypertension", t("고혈압", "High blood pressure")),
    ("diabetes", t("당뇨병", "Diabetes")),
    ("dyslipidemia", t("이상지질혈증(고지혈증)", "High cholesterol or other blood fat problems")),
    ("ihd", t("협심증 또는 심근경색", "Angina or heart attack")),
    ("stroke", t("뇌졸중(중풍)", "Stroke")),
    ("asthma", t("천식", "Asthma")),
    ("copd", t("만성 폐쇄성 폐질환(COPD)", "Chronic obstructive pulmonary disease (COPD)")),
    ("arthritis", t("관절염", "Arthritis")),
    ("osteoporosis", t("골다공증", "Osteoporosis")),
    ("thyroid", t("갑상선 질환", "Thyroid disease")),
    ("ckd", t("만성 콩팥병", "Chronic kidney disease")),
    ("liver", t("만성 간질환(간염, 간경변 등)", "Chronic liver disease (hepatitis, cirrhosis, etc.)")),
    ("depression", t("우울증", "Depression")),
    ("cancer", t("암", "Cancer")),
]

FAMILY_CONDITIONS = [
    ("hypertension", t("고혈압", "High blood pressure")),
    ("diabetes", t("당뇨병", "Diabetes")),
    ("stroke", t("뇌졸중(중풍)", "Stroke")),
    ("heart", t("심장병(협심증, 심근경색 등)", "Heart disease (angina, heart attack, etc.)")),
    ("dementia", t("치매", "Dementia")),
    ("cancer", t("암", "Cancer")),
]

FAMILY_MEMBERS = [
    opt("FTH", t("아버지", "Father"), SYS_ROLE),
    opt("MTH", t("어머니", "Mother"), SYS_ROLE),
    opt("SIB", t("형제자매", "Brother or sister"), SYS_ROLE),
    opt("CHILD", t("자녀", "Child"), SYS_ROLE),
    opt("none", t("없음", "No one")),
    opt("unknown", t("잘 모르겠습니다", "I don't know")),
]

LEVELS = [("none", t("전혀 문제없음", "No problems")),
          ("slight", t("약간 문제 있음", "Slight problems")),
          ("moderate", t("중간 정도 문제 있음", "Moderate problems")),
          ("severe", t("심한 문제 있음", "Severe problems")),
          ("extreme", t("매우 심한 문제 있음 (할 수 없음)", "Extreme problems (unable to)"))]


def baseline(ptype):
    demo = group("demo", t("1. 기본 정보", "1. About you"), [
        choice("demo.sex", t("태어날 때의 성별은 무엇입니까?", "What was your sex at birth?"),
               opts([("female", t("여자", "Female")), ("male", t("남자", "Male"))], SYS_GENDER), required=True),
        choice("demo.marital", t("현재 결혼 상태는 어떻습니까?", "What is your marital status now?"),
               opts([("S", t("결혼한 적 없음", "Never married")),
                     ("M", t("배우자 있음", "Married")),
                     ("W", t("사별", "Widowed")),
                     ("D", t("이혼", "Divorced")),
                     ("L", t("별거", "Separated"))], SYS_MARITAL)),
        integer("demo.household_size", t("본인을 포함해 함께 사는 사람은 모두 몇 명입니까?",
                                         "Including yourself, how many people live in your home?"),
                1, 20, entry=ENTRY_NUMBER),
        checkboxes("demo.household_with", t("함께 사는 사람을 모두 골라 주십시오.", "Please choose everyone you live with."),
                   opts([("spouse", t("배우자", "Spouse or partner")),
                         ("children", t("자녀", "Children")),
                         ("parents", t("부모", "Parents")),
                         ("grandchildren", t("손자녀", "Grandchildren")),
                         ("siblings", t("형제자매", "Brothers or sisters")),
                         ("relatives", t("그 밖의 친척", "Other relatives")),
                         ("non-relatives", t("가족이 아닌 사람", "People who are not family"))]),
                   enable=when("demo.household_size", ">", 1)),
        dropdown("demo.income", t("한 달 가구 소득은 모두 얼마쯤입니까?", "About how much is your household's total monthly income?"),
                 opts([("lt100", t("100만 원 미만", "Less than 1 million won")),
                       ("100-199", t("100만~200만 원 미만", "1 to under 2 million won")),
                       ("200-299", t("200만~300만 원 미만", "2 to under 3 million won")),
                       ("300-399", t("300만~400만 원 미만", "3 to under 4 million won")),
                       ("400-499", t("400만~500만 원 미만", "4 to under 5 million won")),
                       ("500-699", t("500만~700만 원 미만", "5 to under 7 million won")),
                       ("ge700", t("700만 원 이상", "7 million won or more")),
                       ("declined", t("답하고 싶지 않습니다", "I prefer not to say"))])),
    ])

    ses = group("ses", t("2. 학력과 일", "2. Education and work"), [
        choice("ses.education", t("마지막으로 다닌 학교는 어디입니까?", "What is the highest level of school you attended?"),
               opts([("none", t("학교에 다니지 않음", "Did not attend school")),
                     ("elementary", t("초등학교", "Elementary school")),
                     ("middle", t("중학교", "Middle school")),
                     ("high", t("고등학교", "High school")),
                     ("college", t("대학교(전문대 포함)", "College or university")),
                     ("graduate", t("대학원", "Graduate school"))])),
        boolean("ses.employed", t("지금 돈을 버는 일을 하고 계십니까?", "Are you working for pay now?")),
        dropdown("ses.occupation", t("하시는 일은 다음 중 어디에 가깝습니까?", "Which of these is closest to your work?"),
                 opts([("manager", t("관리자", "Manager")),
                       ("professional", t("전문가(의사, 교사, 기술자 등)", "Professional (doctor, teacher, engineer, etc.)")),
                       ("clerical", t("사무직", "Office worker")),
                       ("service", t("서비스직", "Service worker")),
                       ("sales", t("판매직", "Sales worker")),
                       ("agriculture", t("농업, 임업, 어업", "Farming, forestry or fishing")),
                       ("craft", t("기능직(건설, 수리 등)", "Skilled trade (construction, repair, etc.)")),
                       ("operator", t("기계 조작, 조립, 운전", "Machine operation, assembly or driving")),
                       ("elementary", t("단순 노무직", "Manual labor")),
                       ("military", t("군인", "Military"))]),
                 enable=eq("ses.employed", True)),
        integer("ses.work_hours", t("일주일에 보통 몇 시간 일하십니까?", "How many hours do you usually work in a week?"),
                0, 120, unit="h", entry=ENTRY_NUMBER, enable=eq("ses.employed", True)),
        choice("ses.not_working", t("일을 하지 않는 까닭은 무엇입니까?", "Why are you not working?"),
               opts([("retired", t("은퇴", "Retired")),
                     ("homemaker", t("집안일", "Homemaker")),
                     ("student", t("학생", "Student")),
                     ("health", t("건강 문제", "Health problems")),
                     ("seeking", t("일자리를 찾는 중", "Looking for work")),
                     ("other", t("그 밖의 까닭", "Other reason"))]),
               enable=eq("ses.employed", False)),
    ])

    body = group("body", t("3. 키와 몸무게", "3. Height and weight"), [
        decimal("body.height", t("키는 몇 cm입니까?", "How tall are you, in cm?"), 40, 250, unit="cm",
                entry=t("예: 162.5", "e.g. 162.5"), required=True),
        decimal("body.weight", t("몸무게는 몇 kg입니까?", "How much do you weigh, in kg?"), 2, 300, unit="kg",
                entry=t("예: 58.5", "e.g. 58.5"), required=True),
        decimal("body.waist", t("허리둘레를 아시면 적어 주십시오.", "If you know your waist size, please enter it."), 30, 200,
                unit="cm", entry=t("예: 80.0", "e.g. 80.0")),
    ])

    per_day = t("개비/일", "cigarettes/day")
    smoking = group("smoking", t("4. 담배", "4. Smoking"), [
        choice("smoking.status", t("지금까지 담배를 5갑(100개비) 넘게 피우신 적이 있습니까?",
                                   "Have you smoked more than 5 packs (100 cigarettes) in your life?"),
               opts([("never", t("아니요, 피운 적이 없거나 5갑 미만입니다", "No, never or fewer than 5 packs")),
                     ("former", t("예, 피웠지만 지금은 끊었습니다", "Yes, but I have quit")),
                     ("current", t("예, 지금도 피웁니다", "Yes, and I still smoke"))]),
               required=True),
        integer("smoking.start_age", t("담배를 처음 피우기 시작한 것은 몇 살 때입니까?", "How old were you when you started smoking?"),
                5, 100, unit="a", entry=ENTRY_NUMBER, enable=when("smoking.status", "!=", "never")),
        integer("smoking.quit_age", t("담배를 끊은 것은 몇 살 때입니까?", "How old were you when you quit?"),
                5, 120, unit="a", entry=ENTRY_NUMBER, enable=eq("smoking.status", "former")),
        integer("smoking.per_day", t("요즘 하루에 보통 몇 개비 피우십니까?", "How many cigarettes do you usually smoke a day now?"),
                0, 100, unit="/d", unit_text=per_day, entry=ENTRY_NUMBER, enable=eq("smoking.status", "current")),
        decimal("smoking.pack_years", t("피운 양을 '갑년'으로 아시면 적어 주십시오. (하루 1갑씩 1년 = 1갑년)",
                                        "If you know how much you smoked in pack-years, please enter it. (1 pack a day for 1 year = 1 pack-year)"),
                0, 300, entry=t("예: 20.0", "e.g. 20.0"),
                enable=[when("smoking.status", "exists", True), when("smoking.status", "!=", "never")], behavior="all"),
        choice("smoking.ecig", t("전자담배를 피우신 적이 있습니까?", "Have you ever used e-cigarettes?"),
               opts([("never", t("없습니다", "Never")),
                     ("former", t("피웠지만 지금은 끊었습니다", "I used them but have stopped")),
                     ("current", t("지금도 피웁니다", "I use them now"))])),
        boolean("smoking.secondhand", t("집이나 일터에서 다른 사람의 담배 연기를 자주 맡으십니까?",
                                        "Do you often breathe other people's tobacco smoke at home or at work?")),
    ])

    alcohol = group("alcohol", t("5. 술", "5. Alcohol"), [
        choice("alcohol.freq", t("술을 얼마나 자주 드십니까?", "How often do you drink alcohol?"),
               opts([("none", t("마시지 않습니다", "I don't drink")),
                     ("monthly", t("한 달에 1번 이하", "Once a month or less")),
                     ("2-4-monthly", t("한 달에 2~4번", "2 to 4 times a month")),
                     ("2-3-weekly", t("일주일에 2~3번", "2 to 3 times a week")),
                     ("4-plus-weekly", t("일주일에 4번 이상", "4 or more times a week"))]),
               required=True),
        choice("alcohol.amount", t("한 번 마실 때 보통 몇 잔을 드십니까? (소주, 맥주 모두 그 술의 잔으로)",
                                   "How many drinks do you usually have at one time? (count glasses of each kind of drink)"),
               opts([("1-2", t("1~2잔", "1 to 2")),
                     ("3-4", t("3~4잔", "3 to 4")),
                     ("5-6", t("5~6잔", "5 to 6")),
                     ("7-9", t("7~9잔", "7 to 9")),
                     ("10-plus", t("10잔 이상", "10 or more"))]),
               enable=when("alcohol.freq", "!=", "none")),
        choice("alcohol.binge", t("한 번에 6잔 넘게 마시는 일은 얼마나 자주 있습니까?",
                                  "How often do you have more than 6 drinks at one time?"),
               opts([("never", t("없습니다", "Never")),
                     ("less-monthly", t("한 달에 1번 미만", "Less than once a month")),
                     ("monthly", t("한 달에 1번", "Once a month")),
                     ("weekly", t("일주일에 1번", "Once a week")),
                     ("daily", t("거의 매일", "Almost every day"))]),
               enable=when("alcohol.freq", "!=", "none")),
        boolean("alcohol.former", t("예전에는 술을 드시다가 끊으셨습니까?", "Did you drink in the past and then stop?"),
                enable=eq("alcohol.freq", "none")),
    ])

    activity = group("activity", t("6. 몸을 움직이는 활동", "6. Physical activity"), [
        display("activity.note", t("지난 일주일을 떠올려 답해 주십시오.", "Please think about the last 7 days.")),
        integer("activity.vigorous_days", t("숨이 많이 찰 만큼 힘든 운동(달리기, 등산 등)을 한 날은 며칠입니까?",
                                            "On how many days did you do hard exercise that made you very out of breath (running, hiking, etc.)?"),
                0, 7, unit="d", entry=ENTRY_NUMBER),
        integer("activity.vigorous_min", t("그런 날에는 보통 몇 분 동안 하셨습니까?", "On those days, for how many minutes?"),
                0, 1440, unit="min", entry=ENTRY_NUMBER, enable=when("activity.vigorous_days", ">", 0)),
        integer("activity.moderate_days", t("숨이 조금 찰 만큼의 운동(빠르게 걷기, 가벼운 자전거 등)을 한 날은 며칠입니까?",
                                            "On how many days did you do exercise that made you a little out of breath (brisk walking, easy cycling, etc.)?"),
                0, 7, unit="d", entry=ENTRY_NUMBER),
        integer("activity.moderate_min", t("그런 날에는 보통 몇 분 동안 하셨습니까?", "On those days, for how many minutes?"),
                0, 1440, unit="min", entry=ENTRY_NUMBER, enable=when("activity.moderate_days", ">", 0)),
        integer("activity.walk_days", t("한 번에 10분 넘게 걸은 날은 며칠입니까?", "On how many days did you walk for more than 10 minutes at a time?"),
                0, 7, unit="d", entry=ENTRY_NUMBER),
        integer("activity.walk_min", t("그런 날에는 하루에 모두 몇 분쯤 걸으셨습니까?", "On those days, about how many minutes did you walk in total?"),
                0, 1440, unit="min", entry=ENTRY_NUMBER, enable=when("activity.walk_days", ">=", 1)),
        integer("activity.strength_days", t("근력 운동(팔굽혀펴기, 아령, 스쿼트 등)을 한 날은 며칠입니까?",
                                            "On how many days did you do strength exercise (push-ups, weights, squats, etc.)?"),
                0, 7, unit="d", entry=ENTRY_NUMBER),
        decimal("activity.sitting", t("하루에 앉아 있거나 누워 있는 시간은 보통 몇 시간입니까? (잠자는 시간 제외)",
                                      "How many hours a day do you usually spend sitting or lying down? (not counting sleep)"),
                0, 24, unit="h", entry=t("예: 6.5", "e.g. 6.5")),
    ])

    sleep = group("sleep", t("7. 잠", "7. Sleep"), [
        decimal("sleep.hours", t("하루에 보통 몇 시간 주무십니까?", "How many hours do you usually sleep a day?"),
                0, 24, unit="h", entry=t("예: 7.0", "e.g. 7.0")),
        choice("sleep.quality", t("잠은 얼마나 잘 주무십니까?", "How well do you sleep?"),
               opts([("very-good", t("아주 잘 잡니다", "Very well")),
                     ("good", t("잘 자는 편입니다", "Fairly well")),
                     ("poor", t("잘 못 자는 편입니다", "Fairly badly")),
                     ("very-poor", t("아주 못 잡니다", "Very badly"))])),
        boolean("sleep.insomnia", t("잠들기 어렵거나 자다가 자주 깨는 날이 일주일에 3번 이상입니까?",
                                    "Do you have trouble falling asleep or wake up often, 3 or more nights a week?")),
        choice("sleep.short_reason", t("잠을 적게 주무시는 가장 큰 까닭은 무엇입니까?", "What is the main reason you sleep so little?"),
               opts([("work", t("일이나 공부", "Work or study")),
                     ("caregiving", t("가족을 돌보느라", "Caring for family")),
                     ("pain", t("통증이나 병", "Pain or illness")),
                     ("worry", t("걱정이나 스트레스", "Worry or stress")),
                     ("night-urination", t("밤에 화장실에 자주 가서", "Getting up often to urinate")),
                     ("other", t("그 밖의 까닭", "Other reason"))]),
               enable=when("sleep.hours", "<", 6)),
        choice("sleep.snoring", t("코를 심하게 곤다는 말을 들은 적이 있습니까?", "Has anyone told you that you snore loudly?"),
               opts(YES_NO_UNKNOWN)),
    ])

    diet = group("diet", t("8. 식사", "8. Eating habits"), [
        choice("diet.meals", t("하루에 보통 몇 끼를 드십니까?", "How many meals do you usually eat a day?"),
               opts([("1", t("1끼 이하", "1 or fewer")), ("2", t("2끼", "2")), ("3", t("3끼 이상", "3 or more"))])),
        integer("diet.breakfast_days", t("일주일에 아침 식사를 하시는 날은 며칠입니까?", "On how many days a week do you eat breakfast?"),
                0, 7, unit="d", entry=ENTRY_NUMBER),
        choice("diet.breakfast_skip", t("아침을 자주 거르시는 까닭은 무엇입니까?", "Why do you often skip breakfast?"),
               opts([("no-time", t("시간이 없어서", "No time")),
                     ("no-appetite", t("입맛이 없어서", "No appetite")),
                     ("habit", t("습관이 되어서", "Out of habit")),
                     ("weight", t("몸무게를 줄이려고", "To lose weight")),
                     ("other", t("그 밖의 까닭", "Other reason"))]),
               enable=when("diet.breakfast_days", "<=", 3)),
        choice("diet.vegetables", t("김치를 빼고 채소를 하루에 몇 번 드십니까?", "Not counting kimchi, how many times a day do you eat vegetables?"),
               opts([("lt1", t("하루 1번 미만", "Less than once a day")),
                     ("1", t("하루 1번", "Once a day")),
                     ("2", t("하루 2번", "Twice a day")),
                     ("3-plus", t("하루 3번 이상", "3 or more times a day"))])),
        choice("diet.fruit", t("과일을 얼마나 자주 드십니까?", "How often do you eat fruit?"),
               opts([("rarely", t("거의 먹지 않습니다", "Rarely")),
                     ("1-3-weekly", t("일주일에 1~3번", "1 to 3 times a week")),
                     ("4-6-weekly", t("일주일에 4~6번", "4 to 6 times a week")),
                     ("daily", t("매일", "Every day"))])),
        choice("diet.salt", t("음식을 어떻게 드시는 편입니까?", "How salty do you like your food?"),
               opts([("bland", t("싱겁게", "Not salty")),
                     ("moderate", t("보통", "Medium")),
                     ("salty", t("짜게", "Salty"))])),
        checkboxes("diet.special", t("따로 지키는 식사 방법이 있으면 모두 골라 주십시오.", "Please choose any special diet you follow."),
                   opts([("none", t("없습니다", "None")),
                         ("vegetarian", t("채식", "Vegetarian")),
                         ("low-salt", t("저염식(싱겁게 먹기)", "Low-salt diet")),
                         ("diabetic", t("당뇨 식단", "Diabetic diet")),
                         ("low-protein", t("저단백 식단(콩팥병 등)", "Low-protein diet (for kidney disease, etc.)")),
                         ("other", t("그 밖의 식사 방법", "Other diet"))])),
        string("diet.special_other", t("어떤 식사 방법인지 적어 주십시오.", "Please describe the diet."),
               enable=eq("diet.special", "other")),
    ])

    history_groups = []
    for code, name in HISTORY_CONDITIONS:
        p = f"history.{code}"
        children = [
            boolean(f"{p}.has", t("의사에게 이 병을 진단받은 적이 있습니까?", "Has a doctor ever told you that you have this disease?")),
            integer(f"{p}.age", t("처음 진단받은 것은 몇 살 때입니까?", "How old were you when it was first diagnosed?"),
                    0, 120, unit="a", entry=ENTRY_NUMBER, enable=eq(f"{p}.has", True)),
            boolean(f"{p}.treated", t("지금도 이 병으로 치료를 받고 계십니까?", "Are you being treated for it now?"),
                    enable=eq(f"{p}.has", True)),
        ]
        if code == "cancer":
            children.append(string(f"{p}.site", t("어느 부위의 암입니까?", "Where in the body was the cancer?"), 100,
                                   enable=eq(f"{p}.has", True)))
        history_groups.append(group(p, name, children))
    history = group("history", t("9. 진단받은 병", "9. Diseases you have been diagnosed with"), [
        display("history.note", t("의사에게 진단받은 병만 답해 주십시오.", "Please answer only about diseases a doctor has diagnosed."))
    ] + history_groups)

    meds = group("meds", t("10. 드시는 약", "10. Medicines"), [
        boolean("meds.current", t("지금 3개월 넘게 꾸준히 드시는 약이 있습니까?",
                                  "Are you taking any medicine regularly for more than 3 months?"), required=True),
        string("meds.names", t("드시는 약의 이름을 하나씩 적어 주십시오.", "Please enter the names of your medicines, one at a time."),
               100, repeats=True, enable=eq("meds.current", True)),
        boolean("meds.supplements", t("건강기능식품이나 영양제를 꾸준히 드십니까?",
                                      "Do you regularly take health supplements or vitamins?")),
        string("meds.supplement_names", t("드시는 건강기능식품이나 영양제의 이름을 하나씩 적어 주십시오.",
                                          "Please enter the names of your supplements, one at a time."),
               100, repeats=True, enable=eq("meds.supplements", True)),
    ])

    family_items = [display("family.note", t("부모님, 형제자매, 자녀 가운데 다음 병을 앓은 분이 있으면 모두 골라 주십시오.",
                                             "If your parents, brothers or sisters, or children have had these diseases, please choose all who have."))]
    for code, name in FAMILY_CONDITIONS:
        family_items.append(checkboxes(f"family.{code}", name, FAMILY_MEMBERS))
    family_items.append(string("family.cancer_type", t("가족이 앓은 암의 종류를 아시면 적어 주십시오.",
                                                       "If you know what kind of cancer your family member had, please enter it."),
                               100, enable=[eq("family.cancer", c) for c in ("FTH", "MTH", "SIB", "CHILD")], behavior="any"))
    family = group("family", t("11. 가족의 병력", "11. Family medical history"), family_items)

    women = group("women", t("12. 여성 건강", "12. Women's health"), [
        integer("women.menarche_age", t("첫 월경은 몇 살 때 하셨습니까?", "How old were you at your first menstrual period?"),
                5, 25, unit="a", entry=ENTRY_NUMBER),
        choice("women.menopause", t("월경이 완전히 끝났습니까(폐경)?", "Have your menstrual periods stopped for good (menopause)?"),
               opts([("no", t("아니요, 아직 월경을 합니다", "No, I still have periods")),
                     ("natural", t("예, 자연스럽게 끝났습니다", "Yes, naturally")),
                     ("surgical", t("예, 수술 때문에 끝났습니다", "Yes, because of surgery")),
                     ("unknown", t("잘 모르겠습니다", "I don't know"))])),
        integer("women.menopause_age", t("폐경은 몇 살 때였습니까?", "How old were you at menopause?"),
                20, 70, unit="a", entry=ENTRY_NUMBER,
                enable=[eq("women.menopause", "natural"), eq("women.menopause", "surgical")], behavior="any"),
        boolean("women.hrt", t("폐경 뒤 여성호르몬제를 드신 적이 있습니까?", "Have you taken hormone therapy after menopause?"),
                enable=[eq("women.menopause", "natural"), eq("women.menopause", "surgical")], behavior="any"),
        boolean("women.pregnant_ever", t("임신한 적이 있습니까?", "Have you ever been pregnant?")),
        integer("women.pregnancies", t("모두 몇 번 임신하셨습니까?", "How many times have you been pregnant?"),
                1, 30, entry=ENTRY_NUMBER, enable=eq("women.pregnant_ever", True)),
        integer("women.births", t("아이를 모두 몇 명 낳으셨습니까?", "How many children have you given birth to?"),
                0, 20, entry=ENTRY_NUMBER, enable=eq("women.pregnant_ever", True)),
        boolean("women.breastfeeding", t("모유 수유를 한 적이 있습니까?", "Have you ever breastfed?"),
                enable=when("women.births", ">=", 1)),
        boolean("women.oral_contraceptive", t("먹는 피임약을 1년 넘게 드신 적이 있습니까?",
                                              "Have you taken birth control pills for more than a year?")),
    ], enable=eq("demo.sex", "female"))

    qol = group("qol", t("13. 오늘의 건강 상태", "13. Your health today"), [
        display("qol.note", t("오늘 귀하의 상태에 가장 가까운 것을 하나씩 골라 주십시오.", "For each question, choose the answer closest to how you are today.")),
        choice("qol.mobility", t("걷는 데 문제가 있습니까?", "Do you have problems walking about?"), opts(LEVELS), required=True),
        choice("qol.self_care", t("혼자 씻거나 옷을 입는 데 문제가 있습니까?", "Do you have problems washing or dressing yourself?"),
               opts(LEVELS), required=True),
        choice("qol.usual_activities", t("일, 공부, 집안일, 여가 같은 평소 활동에 문제가 있습니까?",
                                         "Do you have problems doing your usual activities (work, study, housework, leisure)?"),
               opts(LEVELS), required=True),
        choice("qol.pain", t("통증이나 불편감이 있습니까?", "Do you have pain or discomfort?"), opts(LEVELS), required=True),
        choice("qol.anxiety", t("불안하거나 우울합니까?", "Do you feel anxious or depressed?"), opts(LEVELS), required=True),
        integer("qol.health_rating", t("오늘 건강 상태를 0점(가장 나쁨)부터 100점(가장 좋음) 사이의 점수로 매긴다면 몇 점입니까?",
                                       "On a scale from 0 (worst) to 100 (best), how would you rate your health today?"),
                0, 100, entry=t("0부터 100 사이의 숫자", "A number from 0 to 100"), required=True),
        choice("qol.self_rated", t("평소 본인의 건강은 어떻다고 생각하십니까?", "In general, how would you describe your health?"),
               opts([("very-good", t("매우 좋음", "Very good")),
                     ("good", t("좋음", "Good")),
                     ("fair", t("보통", "Fair")),
                     ("poor", t("나쁨", "Poor")),
                     ("very-poor", t("매우 나쁨", "Very poor"))])),
        choice("qol.stress", t("평소 스트레스를 얼마나 느끼십니까?", "How much stress do you usually feel?"),
               opts([("very-much", t("아주 많이", "Very much")),
                     ("much", t("많이", "Quite a lot")),
                     ("little", t("조금", "A little")),
                     ("hardly", t("거의 느끼지 않음", "Hardly any"))])),
    ])

    closing = group("closing", t("14. 마치며", "14. Finishing"), [
        item("closing.comments", "text", t("더 하고 싶은 말씀이 있으면 적어 주십시오.", "If there is anything else you would like to tell us, please write it here."),
             max_length=500),
        display("closing.thanks", t("설문에 답해 주셔서 고맙습니다.", "Thank you for answering the survey.")),
    ])

    items = [demo, ses, body, smoking, alcohol, activity, sleep, diet, history, meds, family, women, qol, closing]
    return questionnaire(ptype, "baseline", "survey", t("기본 건강 설문", "Baseline health survey"), items)


# ---------------------------------------------------------------------------------------------
# Type-specific surveys
# ---------------------------------------------------------------------------------------------


def rare_survey():
    items = [
        group("rare.diagnosis", t("1. 진단받은 희귀질환", "1. Your rare disease"), [
            string("rare.diagnosis.name", t("진단받은 희귀질환의 이름은 무엇입니까?", "What is the name of your rare disease?"),
                   200, required=True),
            string("rare.diagnosis.code", t("질병 코드를 아시면 적어 주십시오. 모르시면 비워 두셔도 됩니다.",
                                            "If you know the disease code, please enter it. You may leave it blank."),
                   6, regex=ICD10_REGEX, entry=t("예: E75.2", "e.g. E75.2")),
            integer("rare.diagnosis.onset_age", t("처음 증상이 나타난 것은 몇 살 때입니까?", "How old were you when the first symptoms appeared?"),
                    0, 120, unit="a", entry=ENTRY_NUMBER),
            integer("rare.diagnosis.age", t("진단을 받은 것은 몇 살 때입니까?", "How old were you when you were diagnosed?"),
                    0, 120, unit="a", entry=ENTRY_NUMBER),
            integer("rare.diagnosis.hospitals", t("진단을 받기까지 병원을 몇 곳 다니셨습니까?", "How many hospitals did you visit before you were diagnosed?"),
                    1, 50, entry=ENTRY_NUMBER),
            choice("rare.diagnosis.special_case", t("희귀질환 산정특례에 등록되어 있습니까?",
                                                    "Are you registered for the rare disease co-payment reduction (산정특례)?"),
                   opts(YES_NO_UNKNOWN)),
        ]),
        group("rare.genetic", t("2. 유전자 검사", "2. Genetic testing"), [
            boolean("rare.genetic.done", t("이 병 때문에 유전자 검사를 받은 적이 있습니까?",
                                           "Have you had a genetic test for this disease?"), required=True),
            checkboxes("rare.genetic.test_type", t("어떤 검사를 받으셨습니까? 아시는 것을 모두 골라 주십시오.",
                                                   "Which tests did you have? Please choose all you know of."),
                       opts([("single-gene", t("한 가지 유전자 검사", "Single-gene test")),
                             ("panel", t("유전자 패널 검사", "Gene panel test")),
                             ("exome", t("전장 엑솜 검사", "Whole-exome sequencing")),
                             ("genome", t("전장 유전체 검사", "Whole-genome sequencing")),
                             ("chromosome", t("염색체 검사(마이크로어레이 포함)", "Chromosome test (including microarray)")),
                             ("unknown", t("잘 모르겠습니다", "I don't know"))]),
                       enable=eq("rare.genetic.done", True)),
            choice("rare.genetic.result", t("검사 결과를 알고 계십니까?", "Do you know the test result?"),
                   opts([("found", t("원인 유전자를 찾았습니다", "The causing gene was found")),
                         ("not-found", t("원인을 찾지 못했습니다", "No cause was found")),
                         ("uncertain", t("의미를 알 수 없는 변이가 나왔습니다", "A change of unknown meaning was found")),
                         ("pending", t("결과를 기다리고 있습니다", "Waiting for the result")),
                         ("unknown", t("결과를 모릅니다", "I don't know the result"))]),
                   enable=eq("rare.genetic.done", True)),
            string("rare.genetic.gene", t("원인 유전자의 이름을 아시면 적어 주십시오.", "If you know the name of the gene, please enter it."),
                   50, enable=eq("rare.genetic.result", "found")),
        ]),
        group("rare.family", t("3. 가족", "3. Your family"), [
            boolean("rare.family.affected", t("가족 가운데 같은 병이나 비슷한 증상이 있는 분이 있습니까?",
                                              "Does anyone in your family have the same disease or similar symptoms?"), required=True),
            checkboxes("rare.family.relatives", t("어느 분입니까? 모두 골라 주십시오.", "Who? Please choose everyone."),
                       opts([("FTH", t("아버지", "Father")),
                             ("MTH", t("어머니", "Mother")),
                             ("SIB", t("형제자매", "Brother or sister")),
                             ("CHILD", t("자녀", "Child")),
                             ("GRPRN", t("조부모", "Grandparent")),
                             ("AUNT", t("이모, 고모", "Aunt")),
                             ("UNCLE", t("삼촌, 외삼촌", "Uncle")),
                             ("COUSN", t("사촌", "Cousin"))], SYS_ROLE),
                       enable=eq("rare.family.affected", True)),
            choice("rare.family.enrolled", t("그 가족도 이 사업에 참여하고 있습니까?", "Is that family member also taking part in this project?"),
                   opts(YES_NO_UNKNOWN), enable=eq("rare.family.affected", True)),
        ]),
        group("rare.impact", t("4. 병과 생활", "4. The disease and daily life"), [
            checkboxes("rare.impact.organs", t("이 병으로 문제가 생긴 곳을 모두 골라 주십시오.", "Which parts of the body are affected? Please choose all."),
                       opts([("nerve-muscle", t("뇌, 신경, 근육", "Brain, nerves or muscles")),
                             ("heart", t("심장, 혈관", "Heart or blood vessels")),
                             ("lung", t("폐, 호흡", "Lungs or breathing")),
                             ("digestive", t("위, 장, 간", "Stomach, bowel or liver")),
                             ("kidney", t("콩팥, 방광", "Kidneys or bladder")),
                             ("skin", t("피부", "Skin")),
                             ("eye-ear", t("눈, 귀", "Eyes or ears")),
                             ("bone-joint", t("뼈, 관절", "Bones or joints")),
                             ("blood", t("혈액, 면역", "Blood or immune system")),
                             ("metabolic", t("대사, 호르몬", "Metabolism or hormones")),
                             ("development", t("성장, 발달", "Growth or development")),
                             ("other", t("그 밖의 곳", "Other"))])),
            choice("rare.impact.daily_help", t("이 병 때문에 일상생활에서 다른 사람의 도움이 필요합니까?",
                                               "Because of this disease, do you need help from others in daily life?"),
                   opts([("none", t("필요 없습니다", "No")),
                         ("some", t("조금 필요합니다", "Some help")),
                         ("much", t("많이 필요합니다", "A lot of help"))])),
            boolean("rare.impact.assistive", t("휠체어, 호흡 보조기 같은 보조 기구를 쓰십니까?",
                                               "Do you use aids such as a wheelchair or breathing machine?")),
            string("rare.impact.assistive_type", t("어떤 보조 기구를 쓰시는지 적어 주십시오.", "Please write which aids you use."),
                   100, enable=eq("rare.impact.assistive", True)),
            boolean("rare.treatment.current", t("지금 이 병으로 치료를 받고 계십니까?", "Are you being treated for this disease now?")),
            checkboxes("rare.treatment.types", t("어떤 치료를 받고 계십니까? 모두 골라 주십시오.", "Which treatments are you receiving? Please choose all."),
                       opts([("medication", t("약물 치료", "Medicine")),
                             ("enzyme", t("효소 대체 요법", "Enzyme replacement therapy")),
                             ("diet", t("식이 요법", "Special diet")),
                             ("rehabilitation", t("재활 치료", "Rehabilitation")),
                             ("surgery", t("수술", "Surgery")),
                             ("other", t("그 밖의 치료", "Other treatment"))]),
                       enable=eq("rare.treatment.current", True)),
        ]),
    ]
    return questionnaire("rare", "disease", "survey", t("희귀질환 설문", "Rare disease survey"), items)


def severe_survey():
    items = [
        group("severe.diagnosis", t("1. 진단받은 중증질환", "1. Your severe disease"), [
            choice("severe.condition", t("어떤 병으로 치료를 받고 계십니까?", "Which disease are you being treated for?"),
                   opts([("cancer", t("암", "Cancer")),
                         ("cardiovascular", t("심장질환", "Heart disease")),
                         ("cerebrovascular", t("뇌혈관질환(뇌졸중 등)", "Cerebrovascular disease (stroke, etc.)")),
                         ("burn", t("중증 화상", "Severe burn")),
                         ("trauma", t("중증 외상", "Severe injury")),
                         ("other", t("그 밖의 중증질환", "Other severe disease"))]),
                   required=True),
            string("severe.condition_other", t("병의 이름을 적어 주십시오.", "Please write the name of the disease."),
                   200, enable=eq("severe.condition", "other")),
            dropdown("severe.cancer_site", t("어느 부위의 암입니까?", "Where in the body is the cancer?"),
                     opts([("stomach", t("위", "Stomach")),
                           ("colorectal", t("대장, 직장", "Colon or rectum")),
                           ("lung", t("폐", "Lung")),
                           ("liver", t("간", "Liver")),
                           ("breast", t("유방", "Breast")),
                           ("thyroid", t("갑상선", "Thyroid")),
                           ("prostate", t("전립선", "Prostate")),
                           ("pancreas", t("췌장", "Pancreas")),
                           ("biliary", t("담낭, 담도", "Gallbladder or bile duct")),
                           ("kidney", t("콩팥", "Kidney")),
                           ("bladder", t("방광", "Bladder")),
                           ("cervix", t("자궁경부", "Cervix")),
                           ("ovary", t("난소", "Ovary")),
                           ("blood", t("혈액암(백혈병, 림프종 등)", "Blood cancer (leukemia, lymphoma, etc.)")),
                           ("other", t("그 밖의 부위", "Other"))]),
                     enable=eq("severe.condition", "cancer")),
            choice("severe.cancer_stage", t("암의 병기를 아십니까?", "Do you know the stage of the cancer?"),
                   opts([("0", t("0기", "Stage 0")), ("1", t("1기", "Stage 1")), ("2", t("2기", "Stage 2")),
                         ("3", t("3기", "Stage 3")), ("4", t("4기", "Stage 4")), ("unknown", t("잘 모르겠습니다", "I don't know"))]),
                   enable=eq("severe.condition", "cancer")),
            choice("severe.cardio_type", t("어떤 심장질환입니까?", "Which heart disease?"),
                   opts([("mi", t("심근경색", "Heart attack")),
                         ("angina", t("협심증", "Angina")),
                         ("heart-failure", t("심부전", "Heart failure")),
                         ("arrhythmia", t("부정맥", "Irregular heartbeat")),
                         ("valve", t("심장판막질환", "Heart valve disease")),
                         ("other", t("그 밖의 심장질환", "Other heart disease"))]),
                   enable=eq("severe.condition", "cardiovascular")),
            choice("severe.cerebro_type", t("어떤 뇌혈관질환입니까?", "Which cerebrovascular disease?"),
                   opts([("ischemic", t("뇌경색", "Ischemic stroke")),
                         ("hemorrhagic", t("뇌출혈", "Brain hemorrhage")),
                         ("sah", t("거미막하 출혈", "Subarachnoid hemorrhage")),
                         ("other", t("그 밖의 뇌혈관질환", "Other cerebrovascular disease"))]),
                   enable=eq("severe.condition", "cerebrovascular")),
            string("severe.diagnosis_name", t("의사에게 들은 정확한 병명을 아시면 적어 주십시오.",
                                              "If you know the exact diagnosis the doctor gave, please enter it."), 200),
            string("severe.diagnosis_code", t("질병 코드를 아시면 적어 주십시오. 모르시면 비워 두셔도 됩니다.",
                                              "If you know the disease code, please enter it. You may leave it blank."),
                   6, regex=ICD10_REGEX, entry=t("예: C16.9", "e.g. C16.9")),
            item("severe.diagnosis_date", "date", t("처음 진단받은 날은 언제입니까?", "When were you first diagnosed?"),
                 entry=ENTRY_DATE, required=True),
        ]),
        group("severe.treatment", t("2. 치료", "2. Treatment"), [
            checkboxes("severe.treatments", t("이 병으로 받은 치료를 모두 골라 주십시오.", "Please choose all the treatments you have had for this disease."),
                       opts([("surgery", t("수술", "Surgery")),
                             ("chemotherapy", t("항암 화학 요법", "Chemotherapy")),
                             ("radiotherapy", t("방사선 치료", "Radiotherapy")),
                             ("targeted", t("표적 치료", "Targeted therapy")),
                             ("immunotherapy", t("면역 치료", "Immunotherapy")),
                             ("hormone", t("호르몬 치료", "Hormone therapy")),
                             ("intervention", t("혈관 시술(스텐트 등)", "Blood vessel procedure (stent, etc.)")),
                             ("thrombolysis", t("혈전 용해 또는 혈전 제거 치료", "Clot-dissolving or clot-removal treatment")),
                             ("transplant", t("이식", "Transplant")),
                             ("rehabilitation", t("재활 치료", "Rehabilitation")),
                             ("medication", t("그 밖의 약물 치료", "Other medicine")),
                             ("none", t("아직 치료를 받지 않았습니다", "No treatment yet"))])),
            item("severe.surgery_date", "date", t("수술을 받은 날은 언제입니까? (여러 번이면 가장 최근)",
                                                 "When did you have surgery? (If more than once, the most recent)"),
                 entry=ENTRY_DATE, enable=eq("severe.treatments", "surgery")),
            boolean("severe.current_treatment", t("지금 이 병으로 치료를 받고 계십니까?", "Are you being treated for this disease now?"),
                    required=True),
            choice("severe.current_where", t("어디에서 치료를 받고 계십니까?", "Where are you being treated?"),
                   opts([("this-hospital", t("본 병원", "This hospital")),
                         ("other-hospital", t("다른 병원", "Another hospital")),
                         ("both", t("본 병원과 다른 병원 모두", "Both this hospital and another hospital"))]),
                   enable=eq("severe.current_treatment", True)),
            choice("severe.recurrence", t("암이 다시 생기거나 다른 곳으로 퍼진 적이 있습니까?",
                                          "Has the cancer come back or spread to other parts of the body?"),
                   opts(YES_NO_UNKNOWN), enable=eq("severe.condition", "cancer")),
            choice("severe.recurrent_event", t("같은 병이 다시 생긴 적이 있습니까?", "Have you had the same disease again?"),
                   opts(YES_NO_UNKNOWN),
                   enable=[eq("severe.condition", "cardiovascular"), eq("severe.condition", "cerebrovascular")], behavior="any"),
            choice("severe.daily_help", t("이 병 때문에 일상생활에서 다른 사람의 도움이 필요합니까?",
                                          "Because of this disease, do you need help from others in daily life?"),
                   opts([("none", t("필요 없습니다", "No")),
                         ("some", t("조금 필요합니다", "Some help")),
                         ("much", t("많이 필요합니다", "A lot of help"))])),
        ]),
    ]
    return questionnaire("severe", "disease", "survey", t("중증질환 설문", "Severe disease survey"), items)


def general_survey():
    items = [
        group("gen.checkup", t("1. 건강검진", "1. Health check-ups"), [
            boolean("gen.checkup.done", t("최근 2년 안에 건강검진을 받으셨습니까?", "Have you had a health check-up in the last 2 years?")),
            checkboxes("gen.checkup.types", t("받으신 검진을 모두 골라 주십시오.", "Please choose all the check-ups you had."),
                       opts([("general", t("일반 건강검진", "General health check-up")),
                             ("stomach", t("위암 검진(위내시경 등)", "Stomach cancer screening (endoscopy, etc.)")),
                             ("colorectal", t("대장암 검진", "Colorectal cancer screening")),
                             ("liver", t("간암 검진", "Liver cancer screening")),
                             ("breast", t("유방암 검진", "Breast cancer screening")),
                             ("cervix", t("자궁경부암 검진", "Cervical cancer screening")),
                             ("lung", t("폐암 검진", "Lung cancer screening"))]),
                       enable=eq("gen.checkup.done", True)),
        ]),
        group("gen.habits", t("2. 생활 습관", "2. Daily habits"), [
            integer("gen.habits.coffee", t("커피를 하루에 보통 몇 잔 드십니까?", "How many cups of coffee do you usually drink a day?"),
                    0, 20, unit="/d", unit_text=t("잔/일", "cups/day"), entry=ENTRY_NUMBER),
            decimal("gen.habits.screen_time", t("하루에 텔레비전이나 휴대전화 화면을 보는 시간은 보통 몇 시간입니까?",
                                               "How many hours a day do you usually spend watching TV or a phone screen?"),
                    0, 24, unit="h", entry=t("예: 3.5", "e.g. 3.5")),
            integer("gen.habits.brushing", t("하루에 이를 몇 번 닦으십니까?", "How many times a day do you brush your teeth?"),
                    0, 10, unit="/d", entry=ENTRY_NUMBER),
            integer("gen.habits.social", t("가족이나 친구를 만나거나 연락하는 것은 일주일에 몇 번입니까?",
                                           "How many times a week do you meet or talk with family or friends?"),
                    0, 50, entry=ENTRY_NUMBER),
        ]),
    ]
    return questionnaire("general", "lifestyle", "survey", t("생활 습관 추가 설문", "Additional lifestyle survey"), items)


# ---------------------------------------------------------------------------------------------
# Resolution and checks
# ---------------------------------------------------------------------------------------------

ANSWER_KEY = {"boolean": "answerBoolean", "integer": "answerInteger", "decimal": "answerDecimal",
              "date": "answerDate", "string": "answerString", "text": "answerString"}


def walk(items, parents=()):
    for it in items:
        yield it, parents
        yield from walk(it.get("item", []), parents + (it["linkId"],))


def resolve_enable_when(q):
    """Types each enableWhen answer from the referenced question (same Questionnaire, earlier in
    document order, not an ancestor), so that no condition can form a cycle or mismatch."""
    seen = {}
    for it, parents in walk(q["item"]):
        conds = it.get("enableWhen")
        if conds:
            resolved = []
            for c in conds:
                ref = seen.get(c.question)
                if ref is None:
                    raise ValueError(f"{q['id']}: {it['linkId']} enableWhen refers to {c.question}, not an earlier question")
                if c.question in parents:
                    raise ValueError(f"{q['id']}: {it['linkId']} enableWhen refers to its ancestor {c.question}")
                out = {"question": c.question, "operator": c.operator}
                if c.operator == "exists":
                    assert isinstance(c.value, bool)
                    out["answerBoolean"] = c.value
                elif ref["type"] in ("choice", "open-choice"):
                    match = [o["valueCoding"] for o in ref["answerOption"] if o["valueCoding"]["code"] == c.value]
                    if len(match) != 1:
                        raise ValueError(f"{q['id']}: {it['linkId']}: no option {c.value!r} in {c.question}")
                    out["answerCoding"] = {"system": match[0]["system"], "code": match[0]["code"]}
                else:
                    key = ANSWER_KEY[ref["type"]]
                    value = c.value
                    if ref["type"] == "boolean":
                        assert isinstance(value, bool)
                    elif ref["type"] == "integer":
                        assert isinstance(value, int) and not isinstance(value, bool)
                    elif ref["type"] == "decimal":
                        value = float(value)
                    out[key] = value
                resolved.append(out)
            it["enableWhen"] = resolved
        if it["type"] not in ("group", "display"):
            seen[it["linkId"]] = it


def check_package(bundle):
    problems = []

    def no_empty(node, path):
        if node in ("", [], {}) or node is None:
            problems.append(f"empty value at {path}")
        elif isinstance(node, dict):
            for k, v in node.items():
                no_empty(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                no_empty(v, f"{path}[{i}]")

    no_empty(bundle, "Bundle")
    link_ids = set()
    for entry in bundle["entry"]:
        q = entry["resource"]
        if "_title" not in q:
            problems.append(f"{q['id']}: title untranslated")
        for it, _ in walk(q["item"]):
            lid = it["linkId"]
            if lid in link_ids:
                problems.append(f"duplicate linkId {lid}")
            link_ids.add(lid)
            if "text" in it and "_text" not in it:
                problems.append(f"{lid}: text untranslated")
            if it["type"] == "group" and not it.get("item"):
                problems.append(f"{lid}: empty group")
            if it["type"] == "display" and ("item" in it or "required" in it):
                problems.append(f"{lid}: display with children or required")
            for o in it.get("answerOption", []):
                if "_display" not in o.get("valueCoding", {"_display": 1}):
                    problems.append(f"{lid}: option untranslated")
                if "valueString" in o and "_valueString" not in o:
                    problems.append(f"{lid}: option untranslated")
            for e in it.get("extension", []):
                if "valueString" in e and "_valueString" not in e and not e["url"].endswith("/regex"):
                    problems.append(f"{lid}: extension {e['url']} untranslated")
                vc = e.get("valueCoding")
                if vc and "_display" not in vc:
                    problems.append(f"{lid}: unit untranslated")
            if len(it.get("enableWhen", [])) > 1 and "enableBehavior" not in it:
                problems.append(f"{lid}: enableBehavior missing")
        if q["extension"][0]["valueCode"] == "comprehension":
            for it, _ in walk(q["item"]):
                correct = [o for o in it["answerOption"] if "extension" in o]
                if it["type"] != "choice" or len(correct) != 1:
                    problems.append(f"{it['linkId']}: comprehension item needs one correct option")
    count = sum(1 for e in bundle["entry"] for _ in walk(e["resource"]["item"]))
    if count < 120:
        problems.append(f"only {count} items")
    if problems:
        raise ValueError("\n".join(problems))


# ---------------------------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------------------------


def build_package(ptype):
    surveys = {"rare": rare_survey, "severe": severe_survey, "general": general_survey}
    questionnaires = [
        consent_document(ptype, rep=False),
        consent_document(ptype, rep=True),
        comprehension(ptype),
        baseline(ptype),
        surveys[ptype](),
    ]
    for q in questionnaires:
        resolve_enable_when(q)
    canonical = f"{BASE}/protocol/{ptype}"
    bundle = {
        "resourceType": "Bundle",
        "id": f"bbd-{ptype}-{VERSION}",
        "meta": {"tag": [{"system": BASE + "/CodeSystem/participation-type", "code": ptype}]},
        "identifier": {"system": BASE + "/protocol", "value": f"{canonical}|{VERSION}"},
        "type": "collection",
        "timestamp": TIMESTAMP,
        "entry": [{"fullUrl": q["url"], "resource": q} for q in questionnaires],
    }
    check_package(bundle)
    return bundle


def render(bundle):
    return json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"


def main(argv):
    check = "--check" in argv[1:]
    unknown = [a for a in argv[1:] if a != "--check"]
    if unknown:
        print(f"usage: {argv[0]} [--check]", file=sys.stderr)
        return 2
    stale = []
    for ptype in TYPES:
        path = OUT_DIR / f"{ptype}.json"
        data = render(build_package(ptype)).encode("utf-8")
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(path)
        else:
            path.write_bytes(data)
    if stale:
        for path in stale:
            print(f"out of date: {path} (run {Path(argv[0]).name} without --check)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
