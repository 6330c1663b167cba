-- The published scores: the grade plus the Klout-style archetype.
-- The style matrix is a 4x4 grid (klout.md). Columns run from sharing/casual (left) to
-- creating/consistent (right) and rise with the score level; rows run from
-- participating/broad (top) to listening/focused (bottom).
--   column position style_x = mean(creating, consistent, score / 100)
--   row position    style_y = mean(participating, broad), high at the top
-- Each position is cut at three thresholds (scoring.STYLE_X_CUTS, STYLE_Y_CUTS, bound as
-- variables), so every cell is reachable.
-- Input views: graded, user_features. Variables: score_date, style_x_cuts, style_y_cuts.
with

graded as (
    select * from graded
),

user_features as (
    select * from user_features
),

positions as (
    select
        graded.*,
        -- Rounded before they are cut, so the published positions place the user exactly.
        round(
            (user_features.creating + user_features.consistent + graded.score / 100.0) / 3.0, 4
        ) as style_x,
        round((user_features.participating + user_features.broad) / 2.0, 4) as style_y
    from graded
    join user_features using (user_id)
),

cells as (
    select
        *,
        -- The number of cuts at or below the position: 0 to 3.
        len(list_filter(getvariable('style_x_cuts'), lambda cut: cut <= style_x)) as style_column,
        3 - len(list_filter(getvariable('style_y_cuts'), lambda cut: cut <= style_y)) as style_row
    from positions
),

matrix (style_row, style_column, archetype) as (
    values
        (0, 0, 'Curator'), (0, 1, 'Broadcaster'), (0, 2, 'Taste Maker'), (0, 3, 'Celebrity'),
        (1, 0, 'Syndicator'), (1, 1, 'Feeder'), (1, 2, 'Thought Leader'), (1, 3, 'Pundit'),
        (2, 0, 'Dabbler'), (2, 1, 'Conversationalist'), (2, 2, 'Socializer'), (2, 3, 'Networker'),
        (3, 0, 'Observer'), (3, 1, 'Explorer'), (3, 2, 'Activist'), (3, 3, 'Specialist')
),

final as (
    select
        cells.user_id,
        getvariable('score_date') as score_date,
        cells.score,
        cells.percentile,
        matrix.archetype,
        cells.delta_1d,
        cells.delta_5d,
        cells.model_version,
        cells.raw_score,
        cells.style_x,
        cells.style_y,
        cells.score_with_held_out,
        cells.raw_score_with_held_out
    from cells
    join matrix using (style_row, style_column)
)

select * from final
order by user_id
