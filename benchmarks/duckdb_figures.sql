-- Hand-written DuckDB queries computing the referral and child protection plan counts of
-- `wscb figures` for a financial year, straight from referrals.csv and cp_plans.csv, with
-- the same rules as wscb (CONTRACT.md, DEFINITIONS.md):
-- * rows identical in every column count once;
-- * a row is set aside when its child id is blank, a date field is not a real day-first date
--   (or, for an event date, falls outside 1990-2099), a required date is blank, a whole
--   number or Y/N field holds something else, a plan ends before it starts, or a plan starts
--   while an earlier-starting plan of the same child is open (of two starting the same day,
--   the later row);
-- * a re-referral is a referral within 12 months (on or after the same date a year earlier)
--   of the same child's previous referral;
-- * a plan is second or subsequent when the child had a plan before: the larger of its
--   "Number of Previous Child Protection Plans" and its earlier plans in the extract.
-- Parameters: $referrals, $plans (paths), $start, $end (ISO dates). Statements end with ';'
-- at the end of a line; the last two give (referrals, rereferrals) and (plans started, second
-- or subsequent, ended).

-- a field's text: DuckDB reads a blank field as NULL, wscb as ''
CREATE OR REPLACE MACRO txt(t) AS trim(COALESCE(t, ''));

CREATE OR REPLACE MACRO day_first(t) AS COALESCE(
    try_strptime(t, ['%d/%m/%Y', '%Y-%m-%d', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S',
                     '%Y-%m-%d %H:%M:%S', '%d-%b-%Y'])::DATE,
    CASE WHEN regexp_full_match(t, '\d{5}') THEN DATE '1899-12-30' + CAST(t AS INTEGER) END);

-- Y, N or unknown, in any of the spellings wscb reads ("a) Yes", "b) No", "Not recorded");
-- the pattern only for values other than blank, Y and N
CREATE OR REPLACE MACRO yes_no_ok(t) AS CASE WHEN txt(t) IN ('', 'Y', 'N') THEN true ELSE
    trim(regexp_replace(regexp_replace(lower(txt(t)), '^\s*[a-z]{1,2}\)\s*', ''),
                        '[^a-z0-9]+', ' ', 'g'))
    IN ('y', 'yes', 'true', '1', 'n', 'no', 'false', '0', '', 'u', 'unknown', 'not known',
        'not stated', 'not recorded', 'not stated recorded') END;

WITH raw AS (
    SELECT DISTINCT * FROM read_csv($referrals, all_varchar = true, header = true)
),
parsed AS (  -- each field read once
    SELECT txt("Child Unique ID") AS child_id,
           day_first(txt("Date of referral")) AS referral_date,
           txt("Date of Birth") AS dob_text, day_first(txt("Date of Birth")) AS dob,
           "Referral NFA?" AS nfa
    FROM raw
),
usable AS (  -- a blank or unreadable referral date has no referral_date
    SELECT child_id, referral_date FROM parsed
    WHERE child_id <> '' AND referral_date BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
      AND (dob_text = '' OR dob IS NOT NULL) AND yes_no_ok(nfa)
),
flagged AS (
    SELECT referral_date,
        lag(referral_date) OVER (PARTITION BY child_id ORDER BY referral_date) AS previous
    FROM usable
)
SELECT count(*) AS referrals,
       count(*) FILTER (WHERE previous IS NOT NULL
                        AND previous >= referral_date - INTERVAL 12 MONTH) AS rereferrals
FROM flagged
WHERE referral_date BETWEEN $start::DATE AND $end::DATE;

WITH numbered AS (
    SELECT *, row_number() OVER () AS line
    FROM read_csv($plans, all_varchar = true, header = true)
),
raw AS (  -- identical rows once, the first in the file kept
    SELECT * EXCLUDE (line), min(line) AS line FROM numbered GROUP BY ALL
),
fields AS (  -- each field read once
    SELECT line, txt("Child Unique ID") AS child_id,
           day_first(txt("Child Protection Plan Start Date")) AS start_date,
           txt("Child Protection Plan End Date") AS end_text,
           day_first(txt("Child Protection Plan End Date")) AS end_date,
           txt("Date of Birth") AS dob_text, day_first(txt("Date of Birth")) AS dob,
           txt("Number of Previous Child Protection Plans") AS previous_text,
           "Does the Child have a Disability" AS disability
    FROM raw
),
parsed AS (  -- a blank or unreadable start date has no start_date
    SELECT line, child_id, start_date, end_date, end_text = '' AS open_plan,
           CAST(regexp_replace(NULLIF(previous_text, ''), '\.0+$', '') AS BIGINT)
               AS recorded_previous
    FROM fields
    WHERE child_id <> '' AND start_date BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
      AND (end_text = '' OR end_date BETWEEN DATE '1990-01-01' AND DATE '2099-12-31')
      AND (dob_text = '' OR dob IS NOT NULL)
      AND (previous_text = '' OR regexp_full_match(previous_text, '\d+(\.0+)?'))
      AND yes_no_ok(disability)
),
usable AS (
    SELECT * FROM parsed WHERE open_plan OR end_date >= start_date
),
checked AS (  -- the latest end among the child's earlier-starting plans (open = no end)
    SELECT *, max(COALESCE(end_date, DATE '9999-12-31')) OVER (
                  PARTITION BY child_id ORDER BY start_date, line
                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS open_until
    FROM usable
),
kept AS (
    SELECT *, row_number() OVER (PARTITION BY child_id ORDER BY start_date, line) - 1
                  AS earlier_in_extract
    FROM checked
    WHERE open_until IS NULL OR start_date >= open_until
)
SELECT count(*) FILTER (WHERE start_date BETWEEN $start::DATE AND $end::DATE) AS started,
       count(*) FILTER (WHERE start_date BETWEEN $start::DATE AND $end::DATE
                        AND greatest(COALESCE(recorded_previous, -1), earlier_in_extract) > 0)
           AS second_or_subsequent,
       count(*) FILTER (WHERE end_date BETWEEN $start::DATE AND $end::DATE) AS ended
FROM kept;
