//! `stratex search`: flags to a request, the Pareto set and its robustness to the terminal.

use super::{Failure, ScoreArg, SearchArgs};
use stratex::batch::Loaded;
use stratex::batch::search::{Score, SearchDone, SearchEnd, SearchRequest, search as run_search};
use stratex::model::Better;
use stratex::number::{exact_count, human};
use stratex::report::search::SearchFile;

pub fn search(args: &SearchArgs) -> Result<(), Failure> {
    let b = &args.batch;
    let loaded = Loaded::load(&b.scenario)?;
    super::warn(&loaded, b.output.quiet);
    let brief = b.output.full_brief_only("search")?;
    let req = SearchRequest {
        actor: args.actor.clone(),
        objectives: args.objectives.clone(),
        constraints: args.constraints.clone(),
        score: match args.score {
            ScoreArg::Mean => Score::Mean,
            ScoreArg::Worst => Score::Worst,
        },
        tail: args.tail.map(|p| p / 100.0),
        runs: args.runs,
        population: args.population,
        generations: args.generations,
        islands: args.islands,
        epsilon: args.epsilon,
        seed: b.seed,
        threads: b.threads,
        out: b.output.out.clone(),
        brief,
        shard: args.part.shard,
        resume: args.part.resume,
        fit: args.fit.choice(),
        tables: b.output.tables(false),
    };
    let done = super::driven("search", b.output.quiet, |ctl| {
        run_search(&loaded, &req, ctl)
    })?;
    match &done.end {
        SearchEnd::Stopped { resume } => Err(Failure::Interrupted(format!(
            "stopped: the generations that finished are saved in {}/; continue with\n  {resume}",
            done.out.display()
        ))),
        SearchEnd::Shard { k, n } => {
            if !b.output.quiet {
                say!(
                    "{}: shard {k}/{n} of the search finished; merge every shard with\n  stratex merge DIR... --out DIR\nwrote {}/",
                    loaded.model.name,
                    done.out.display()
                );
            }
            Ok(())
        }
        SearchEnd::Finished(file) => {
            if !b.output.quiet {
                print(&loaded, &done, file, brief);
            }
            Ok(())
        }
    }
}

fn print(loaded: &Loaded, done: &SearchDone, file: &SearchFile, brief: bool) {
    let s = &done.settings;
    say!(
        "{}: searched the levers of {}, {} island{} x {} generations x {} policies, each on {} futures (common random numbers), seed {}; {:.1} s ({} runs/s on {} thread{})\n",
        loaded.model.name,
        file.actor_name,
        s.islands,
        if s.islands == 1 { "" } else { "s" },
        s.generations + 1,
        s.population,
        exact_count(s.runs),
        s.seed,
        done.elapsed,
        human(done.simulated as f64 / done.elapsed.max(1e-9)),
        done.threads,
        if done.threads == 1 { "" } else { "s" }
    );
    if let Some(fit) = &file.fitted {
        say!("{}\n", fit.line());
    }
    say_raw!("{}", table(file));
    say!(
        "wrote {}/: search.json, pareto.csv, convergence.csv, charts/ (trade-off, parallel axes, convergence), run-info.json{}",
        done.out.display(),
        if brief { ", briefing.html" } else { "" }
    );
}

/// The Pareto set as a terminal table: lever values, then each objective's mean and worst.
pub fn table(file: &SearchFile) -> String {
    let mut header: Vec<String> = vec!["policy".into()];
    header.extend(file.levers.iter().map(|l| l.id.clone()));
    for o in &file.objectives {
        let dir = if o.better == Better::Lower {
            "lower"
        } else {
            "higher"
        };
        header.push(format!("{} mean ({dir})", o.id));
        header.push(format!("worst {}%", file.settings.tail * 100.0));
    }
    let mut rows = Vec::new();
    for p in file.pareto.iter().chain(std::iter::once(&file.baseline)) {
        let mut r = vec![p.label.clone()];
        r.extend(p.levers.iter().map(|v| human(*v)));
        for rb in &p.robustness {
            r.push(human(rb.mean));
            r.push(human(rb.worst));
        }
        rows.push(r);
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    stratex::report::table::columns(&header, &rows)
}
