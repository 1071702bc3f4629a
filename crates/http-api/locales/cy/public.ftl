# Y cofnod cyhoeddus yn Gymraeg. Mae pob neges yma hefyd yn ../en/public.ftl, gyda'r un newidynnau:
# mae `cargo test -p http-api locale` yn gwirio hynny. Mae docs/public.md yn dweud sut i ychwanegu neu
# gywiro un. Dylai swyddog iaith Gymraeg adolygu'r cyfieithiadau cyn eu cyhoeddi.

## Ffrâm pob tudalen

site-name = Cofnod cyhoeddus Covenant
skip-link = Neidio i'r cynnwys
nav-label = Cofnod cyhoeddus
nav-home = Cyrff ac offerynnau
nav-search = Chwilio penderfyniadau
footer-accessibility = Datganiad hygyrchedd
footer-note = Mae penderfyniadau'n ymddangos yma unwaith y cânt hwy neu eu cofnodion eu cyhoeddi. Nid yw eitemau esempt (Atodlen 12A i Ddeddf Llywodraeth Leol 1972) byth yn ymddangos.
language-name = Cymraeg
language-switch = Newid yr iaith i'r Gymraeg
language-nav = Iaith
english-only = Saesneg yn unig

## Y dewisydd "fel yr oedd ar"

as-of-region = Pwynt mewn amser
as-of-on = Yn dangos y cofnod fel yr oedd ar { $day }.
as-of-today = Yn dangos y cofnod fel y mae heddiw, { $day }.
as-of-legend = Dyddiad i ddangos y cofnod fel yr oedd arno
as-of-hint = Er enghraifft, 9 3 2021
as-of-show = Dangos
as-of-now = Heddiw
as-of-show-now = Dangos y cofnod fel y mae heddiw
as-of-error-title = Dewiswch y dyddiad i'w ddangos
date-day = Diwrnod
date-month = Mis
date-year = Blwyddyn
date-missing = Rhowch y dyddiad i ddangos y cofnod fel yr oedd arno
date-missing-part = Rhaid i'r dyddiad i ddangos y cofnod fel yr oedd arno gynnwys { $part ->
    [day] diwrnod
    [month] mis
    [year] blwyddyn
    [day-month] diwrnod a mis
    [day-year] diwrnod a blwyddyn
   *[month-year] mis a blwyddyn
  }
date-year-digits = Rhaid i'r flwyddyn gynnwys 4 rhif
date-not-real = Rhaid i'r dyddiad i ddangos y cofnod fel yr oedd arno fod yn ddyddiad go iawn
problem-summary = Mae problem wedi codi
error-prefix = Gwall

## Dyddiadau wedi'u hysgrifennu'n llawn

date = { $day } { $month } { $year }
month-1 = Ionawr
month-2 = Chwefror
month-3 = Mawrth
month-4 = Ebrill
month-5 = Mai
month-6 = Mehefin
month-7 = Gorffennaf
month-8 = Awst
month-9 = Medi
month-10 = Hydref
month-11 = Tachwedd
month-12 = Rhagfyr

## Geiriau am werthoedd y cofnod

rag-red = Coch
rag-amber = Ambr
rag-green = Gwyrdd
rag-none = Heb ei raddio
rag-lead = (arweinydd: { $rag })
progress-none = dim wedi'i adrodd
meeting-status-unknown = anhysbys
meeting-status-scheduled = wedi'i drefnu
meeting-status-held = wedi'i gynnal
meeting-status-cancelled = wedi'i ganslo
instrument-status-unknown = anhysbys
instrument-status-draft = drafft
instrument-status-consultation = ymgynghoriad
instrument-status-endorsed = wedi'i ategu
instrument-status-adopted = wedi'i fabwysiadu
instrument-status-in_delivery = yn cael ei gyflawni
instrument-status-under_review = yn cael ei adolygu
instrument-status-superseded = wedi'i ddisodli
instrument-status-expired = wedi dod i ben
instrument-status-withdrawn = wedi'i dynnu'n ôl
kind-strategy = strategaeth
kind-blueprint = glasbrint
kind-mou = memorandwm cyd-ddealltwriaeth
kind-action_plan = cynllun gweithredu
kind-ward_plan = cynllun ward
kind-programme = rhaglen
outcome-noted = nodwyd
outcome-endorsed = ategwyd
outcome-adopted = mabwysiadwyd
outcome-approved = cymeradwywyd
outcome-agreed = cytunwyd
outcome-recommended = argymhellwyd
outcome-deferred = gohiriwyd
outcome-rejected = gwrthodwyd
standing-unknown = anhysbys
standing-decided = mewn grym
standing-called_in = wedi'i alw i mewn
standing-referred_back = wedi'i gyfeirio'n ôl
standing-rescinded = wedi'i ddiddymu
standing-superseded = wedi'i ddisodli
standing-by = { $standing } gan { $by }
action-state-overdue = yn hwyr
action-state-due_soon = yn ddyledus cyn bo hir
action-state-open = ar agor
action-state-deferred = wedi'i ohirio
action-state-done = wedi'i gwblhau
action-state-cancelled = wedi'i ganslo
party-pending = heb weithredu eto
party-adopted = wedi mabwysiadu ar { $date }
party-signed = wedi llofnodi ar { $date }
party-adopted-under = wedi mabwysiadu ar { $date } o dan { $resolution }
party-signed-under = wedi llofnodi ar { $date } o dan { $resolution }
party-successor = { $party } (olynydd i { $predecessor })
party-withdrawn = wedi tynnu'n ôl ar { $date }

## Penawdau colofnau a ffeithiau

col-body = Corff
col-organisations = Sefydliadau
col-meetings = Cyfarfodydd
col-title = Teitl
col-kind = Math
col-status = Statws
col-complete = Wedi'i gwblhau
col-rag = Sgôr RAG
col-organisation = Sefydliad
col-subscribe = Calendr a ffrydiau
col-date = Dyddiad
col-meeting = Cyfarfod
col-minutes-published = Cofnodion wedi'u cyhoeddi
col-decisions = Penderfyniadau
col-item = Eitem
col-minute = Cofnod
col-outcome = Canlyniad
col-decided = Penderfynwyd
col-published = Cyhoeddwyd
col-standing = Sefyllfa
col-owner = Perchennog
col-period = Cyfnod
col-version = Fersiwn
col-objective = Amcan
col-themes = Themâu
col-commitments = Ymrwymiadau
col-commitment = Ymrwymiad
col-why = Pam
col-due = Dyddiad cau
col-state = Cyflwr
col-latest-report = Adroddiad diweddaraf
col-members = Aelodau
col-figure = Ffigur
col-value = Gwerth

## Yr hafan

home-title = Cofnod cyhoeddus
home-intro = Penderfyniadau'r cyrff hyn, yr hyn a ddaeth o bob penderfyniad, ac a gafodd ei gyflawni, fel y'u cyhoeddwyd.
bodies = Cyrff
instruments = Strategaethau, cynlluniau a chytundebau
instruments-caption = Offerynnau
instruments-none = Nid oes yr un wedi'i gyhoeddi na'i fabwysiadu eto.
latest-decisions = Y penderfyniadau diweddaraf
subscribe = Calendrau a ffrydiau
feed-every-decision = Ffrwd o bob penderfyniad a gyhoeddwyd (Atom)
feed-every-progress = Ffrwd o'r cynnydd ar bob ymrwymiad cyhoeddus (Atom)
by-organisation = Fesul sefydliad
organisation-calendar = Camau gweithredu sy'n ddyledus (iCalendar)
organisation-decisions = penderfyniadau (Atom)
organisation-progress = cynnydd (Atom)
no-decision-matches = Nid oes penderfyniad yn cyfateb.

## Corff

body-calendar = Calendr cyfarfodydd { $body } (iCalendar)
body-decisions = Ffrwd o benderfyniadau { $body } (Atom)
body-progress = Ffrwd o'r cynnydd ar gamau gweithredu { $body } (Atom)
meetings = Cyfarfodydd

## Cyfarfod a'i benderfyniadau

meeting-title = { $meeting }, { $date }
agenda = Agenda
agenda-none = Nid oes eitem agenda ar gofnod.
decisions = Penderfyniadau
decisions-none = Nid oes penderfyniad o'r cyfarfod hwn wedi'i gyhoeddi.
minute = cofnod { $number }
agenda-item = eitem { $item }
decision-heading = { $body }, { $minute }, { $date }
decision-heading-undated = { $body }, { $minute }
corrected = Cywirwyd ar { $date }. Rheswm: { $reason }. Y geiriad blaenorol: “{ $previous }”.
authorised = Yr hyn a awdurdododd
caused-endorsement = ategodd { $instrument }
caused-adoption = mabwysiadodd { $party } { $instrument }
caused-signature = llofnododd { $party } { $instrument }
caused-party_withdrawal = tynnodd { $party } yn ôl o { $instrument }
caused-refresh = adnewyddodd { $instrument } fel fersiwn { $version }
caused-instrument_withdrawal = tynnodd { $instrument } yn ôl
caused-rescission = diddymodd { $resolution }
caused-supersession = disodlodd { $resolution }
trail = Ymrwymiadau sy'n ei gyflawni
trail-arising = yn deillio ohono
trail-delivering = yn cyflawni

## Offeryn

period = { $from } i { $to }
version = { $label } ({ $date })
instrument-decisions = Ffrwd o benderfyniadau ar { $instrument } (Atom)
instrument-progress = Ffrwd o'r cynnydd ar { $instrument } (Atom)
parties = Partïon
objectives = Amcanion
indicators = Dangosyddion
commitments = Ymrwymiadau
chart-none = Nid oes llinell sylfaen, targed na darlleniad ar gofnod.
chart-label = { $title } ({ $unit }): llinell sylfaen { $baseline }, { $readings ->
    [zero] dim darlleniadau
    [one] { $readings } darlleniad
    [two] { $readings } ddarlleniad
   *[other] { $readings } o ddarlleniadau
  }, y diweddaraf { $latest }, targed { $target }
chart-nothing = dim
chart-value-on = { $value } ar { $date }
chart-value-by = { $value } erbyn { $date }
chart-baseline = llinell sylfaen
chart-target = targed { $value }
chart-readings = Darlleniadau
figure-baseline = Llinell sylfaen
figure-reading = Darlleniad
figure-target = Targed

## Chwilio

search-title = Chwilio penderfyniadau
search-words = Geiriau
search-any-body = Unrhyw gorff
search-any-organisation = Unrhyw sefydliad
search-theme = Thema
search-any-theme = Unrhyw thema
search-from = Penderfynwyd o
search-to = Penderfynwyd hyd at
search-button = Chwilio
decisions-found = { $count ->
    [zero] Ni chafwyd hyd i unrhyw benderfyniad
    [one] Cafwyd hyd i { $count } penderfyniad
    [two] Cafwyd hyd i { $count } benderfyniad
    [few] Cafwyd hyd i { $count } phenderfyniad
    [many] Cafwyd hyd i { $count } phenderfyniad
   *[other] Cafwyd hyd i { $count } o benderfyniadau
  }

## Gwallau

error-not-found = Heb ddod o hyd i'r dudalen
error-bad-request = Mae problem gyda'r cyfeiriad
error-server = Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth
error-back = Yn ôl i'r cofnod cyhoeddus
not-found-body = Nid oes corff { $key } yn y cofnod cyhoeddus: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-meeting = Nid oes cyfarfod { $key } yn y cofnod cyhoeddus: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-instrument = Nid oes offeryn { $key } yn y cofnod cyhoeddus: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-body-on = Nid oedd corff { $key } yn y cofnod cyhoeddus ar { $date }: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-meeting-on = Nid oedd cyfarfod { $key } yn y cofnod cyhoeddus ar { $date }: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-instrument-on = Nid oedd offeryn { $key } yn y cofnod cyhoeddus ar { $date }: dechreuwch o'r rhestr o gyrff ac offerynnau yn /public
not-found-calendar-body = Nid oes corff { $key } yn y cofnod cyhoeddus: mae'r rhestr o gyrff yn /public yn cysylltu â phob calendr
not-found-calendar-organisation = Nid oes sefydliad { $key } yn y cofnod cyhoeddus: mae'r rhestr o gyrff yn /public yn cysylltu â phob calendr
feed-one-scope = mae ffrwd yn dilyn un corff, sefydliad neu offeryn: rhowch un ohonynt yn unig

## Calendrau a ffrydiau

calendar-meetings = { $body }: cyfarfodydd
calendar-actions = { $organisation }: camau gweithredu sy'n ddyledus
calendar-agenda = Agenda:
calendar-minutes = Cyhoeddwyd y cofnodion ar { $date }; { $count ->
    [zero] ni chyhoeddwyd unrhyw benderfyniad
    [one] cyhoeddwyd { $count } penderfyniad
    [two] cyhoeddwyd { $count } benderfyniad
    [few] cyhoeddwyd { $count } phenderfyniad
    [many] cyhoeddwyd { $count } phenderfyniad
   *[other] cyhoeddwyd { $count } o benderfyniadau
  }.
calendar-state = Cyflwr: { $state }. { $percent }% wedi'i gwblhau.
calendar-towards = Tuag at: { $title }.
calendar-due = Dyddiad cau: { $title }
feed-author = Cofnod cyhoeddus Covenant
feed-decisions = Cofnod cyhoeddus: penderfyniadau
feed-progress = Cofnod cyhoeddus: cynnydd
feed-decisions-of = Cofnod cyhoeddus: penderfyniadau { $scope }
feed-progress-of = Cofnod cyhoeddus: cynnydd { $scope }
feed-progress-entry = { $title }: { $percent }% wedi'i gwblhau, { $status } ({ $period })

## Y datganiad hygyrchedd

a11y-title = Datganiad hygyrchedd
a11y-applies = Mae'r datganiad hwn yn berthnasol i'r cofnod cyhoeddus o benderfyniadau a'u cyflawni a gyhoeddir gan Covenant yn /public, ac i ddangosfwrdd y bwrdd yn /dashboard.
a11y-run-by = Ysgrifenyddiaeth y bartneriaeth sy'n rhedeg y wefan hon. Rydym am i gynifer o bobl â phosibl allu ei defnyddio. Er enghraifft, mae hynny'n golygu y dylech allu:
a11y-able-colours = newid lliwiau, lefelau cyferbyniad a ffontiau gan ddefnyddio gosodiadau eich porwr neu'ch dyfais
a11y-able-zoom = chwyddo hyd at 400% heb i'r testun ddisgyn oddi ar y sgrin
a11y-able-keyboard = llywio'r rhan fwyaf o'r wefan gan ddefnyddio bysellfwrdd yn unig neu feddalwedd adnabod lleferydd
a11y-able-screen-reader = gwrando ar y rhan fwyaf o'r wefan gan ddefnyddio darllenydd sgrin
a11y-able-no-script = defnyddio pob tudalen heb JavaScript
a11y-able-welsh = darllen pob tudalen o'r cofnod cyhoeddus yn Gymraeg neu yn Saesneg
a11y-how = Pa mor hygyrch yw'r wefan hon
a11y-how-text = Mae ffigurau pob siart o ddangosydd mewn tabl wrth ei ochr, mae sgoriau RAG bob amser wedi'u hysgrifennu fel gair wrth ymyl eu lliw, ac mae penawdau gan bob tabl. Rydym yn gwirio pob tudalen ag axe-core mewn prawf porwr awtomataidd.
a11y-known = Gwyddom nad yw rhai rhannau o'r wefan hon yn gwbl hygyrch:
a11y-known-dates = mae meysydd dyddiad y chwiliad yn defnyddio maes dyddiad y porwr ei hun yn hytrach na meysydd diwrnod, mis a blwyddyn ar wahân
a11y-known-english = caiff teitlau, enwau a thestun penderfyniadau eu cofnodi yn Saesneg, ac yn Gymraeg dim ond lle cofnodir cyfieithiad, felly mae tudalennau Cymraeg yn dangos yn Saesneg y rhai heb un
a11y-feedback = Adborth a gwybodaeth gyswllt
a11y-feedback-text = Os oes arnoch angen gwybodaeth ar y wefan hon mewn fformat gwahanol, neu os dewch o hyd i broblem nad yw wedi'i rhestru ar y dudalen hon, cysylltwch ag ysgrifenyddiaeth y corff dan sylw. Byddwn yn ystyried eich cais ac yn cysylltu â chi cyn pen 10 diwrnod gwaith.
a11y-enforcement = Gweithdrefn orfodi
a11y-enforcement-text = Y Comisiwn Cydraddoldeb a Hawliau Dynol (EHRC) sy'n gyfrifol am orfodi Rheoliadau Hygyrchedd Cyrff y Sector Cyhoeddus (Gwefannau a Rhaglenni Symudol) (Rhif 2) 2018 (y 'rheoliadau hygyrchedd'). Os nad ydych yn fodlon ar y ffordd rydym yn ymateb i'ch cwyn,
a11y-eass = cysylltwch â'r Gwasanaeth Cynghori a Chymorth Cydraddoldeb (EASS)
a11y-technical = Gwybodaeth dechnegol am hygyrchedd y wefan hon
a11y-technical-text = Rydym wedi ymrwymo i wneud y wefan hon yn hygyrch, yn unol â Rheoliadau Hygyrchedd Cyrff y Sector Cyhoeddus (Gwefannau a Rhaglenni Symudol) (Rhif 2) 2018.
a11y-compliance = Statws cydymffurfio
a11y-compliance-text = Mae'r wefan hon yn cydymffurfio'n rhannol â safon AA fersiwn 2.2 y Canllawiau Hygyrchedd Cynnwys y We, oherwydd yr achosion o beidio â chydymffurfio a restrir isod.
a11y-non-accessible = Cynnwys nad yw'n hygyrch
a11y-non-accessible-text = Nid yw'r cynnwys a restrir isod yn hygyrch am y rhesymau canlynol.
a11y-non-accessible-dates = Mae meysydd dyddiad y chwiliad yn feysydd dyddiad sengl y porwr, nid meysydd diwrnod, mis a blwyddyn fel y mae System Ddylunio GOV.UK yn ei argymell. Gall hyn ei gwneud yn anos rhoi dyddiadau gyda rhai technolegau cynorthwyol (maen prawf llwyddiant 3.3.2 WCAG 2.2, labeli neu gyfarwyddiadau).
a11y-tested = Sut y gwnaethom brofi'r wefan hon
a11y-tested-text = Caiff pob tudalen gyhoeddus, yn Gymraeg ac yn Saesneg, a phob tudalen o'r dangosfwrdd y mae'r prawf porwr yn ymweld â hi, eu gwirio â rheolau A ac AA WCAG 2.0, 2.1 a 2.2 axe-core bob tro y mae'r feddalwedd yn newid. Caiff y datganiad ei adolygu pan fydd y feddalwedd yn newid.
